package org.quantlens.study.cli;

/** The command line was used wrongly: the CLI prints the message and the usage, exit code 2. */
public class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
