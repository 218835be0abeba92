package org.quantlens.study.analysis;

/** A closed interval [low, high], e.g. a 95% confidence interval of a rate. */
public record Interval(double low, double high) {}
