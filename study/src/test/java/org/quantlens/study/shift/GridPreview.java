package org.quantlens.study.shift;

import java.nio.file.Path;
import org.quantlens.study.data.ImageDataset;

/** Not a test: writes preview grids, {@code GridPreview OUT_DIR}. */
public final class GridPreview {
  private GridPreview() {}

  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/shift-grids");
    ImageDataset fashion = TestImages.hasFashion() ? TestImages.fashion(3) : TestImages.digits(3, 1);
    Shifts.grid(fashion, Shifts.suite("mnist-c"), 3, dir.resolve("fashion-mnist-c.png"));
    Shifts.grid(fashion, Shifts.suite("cifar10-c"), 3, dir.resolve("fashion-cifar10-c.png"));
    ImageDataset digits = TestImages.digits(3, 7);
    Shifts.grid(digits, Shifts.suite("mnist-c"), 3, dir.resolve("digits-mnist-c.png"));
    ImageDataset scenes = TestImages.scenes(3, 32, 32, 3);
    Shifts.grid(scenes, Shifts.suite("cifar10-c"), 3, dir.resolve("scenes-cifar10-c.png"));
    System.out.println("wrote grids to " + dir.toAbsolutePath());
  }
}
