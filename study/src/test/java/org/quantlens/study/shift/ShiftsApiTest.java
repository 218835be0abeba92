package org.quantlens.study.shift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quantlens.engine.QuantLensException;
import org.quantlens.study.data.ImageDataset;

class ShiftsApiTest {
  /** The 15 names of MNIST-C's CORRUPTIONS list (corruptions.py), in its order. */
  private static final List<String> MNIST_C = List.of("shot_noise", "impulse_noise", "glass_blur",
      "motion_blur", "shear", "scale", "rotate", "brightness", "translate", "stripe", "fog",
      "spatter", "dotted_line", "zigzag", "canny_edges");
  /** CIFAR-10-C's 15 benchmark corruptions and its 4 extras (make_cifar_c.py). */
  private static final List<String> CIFAR_10_C = List.of("gaussian_noise", "shot_noise",
      "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "snow", "frost",
      "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression",
      "speckle_noise", "gaussian_blur", "spatter", "saturate");

  @Test
  void namesAreIdentityPlusTheTwoReferenceSuitesNamespaced() {
    assertEquals(MNIST_C.stream().map(n -> "mnist-c/" + n).toList(), Shifts.suite("mnist-c"));
    assertEquals(CIFAR_10_C.stream().map(n -> "cifar10-c/" + n).toList(),
        Shifts.suite("cifar10-c"));
    assertEquals(1 + 15 + 19, Shifts.names().size());
    assertEquals("identity", Shifts.names().get(0));
    for (String n : Shifts.names()) {
      assertEquals(n, Shifts.corruption(n).name());
      assertTrue(Shifts.describe(n).length() > 10, n);
    }
  }

  @Test
  void unknownNameIsATypedErrorListingTheValidNames() {
    ImageDataset ds = TestImages.digits(2, 1);
    UnknownShiftException e = assertThrows(UnknownShiftException.class,
        () -> Shifts.apply(ds, "fog", 3, 0));
    assertTrue(e.getMessage().contains("'fog'"), e.getMessage());
    assertTrue(e.getMessage().contains("mnist-c/fog") && e.getMessage().contains("cifar10-c/fog"),
        e.getMessage());
    assertTrue(QuantLensException.class.isInstance(e));
    assertThrows(UnknownShiftException.class, () -> Shifts.suite("imagenet-c"));
  }

  @Test
  void severityOutsideOneToFiveIsATypedErrorStatingTheRange() {
    ImageDataset ds = TestImages.digits(2, 1);
    for (int bad : new int[] {0, 6, -1}) {
      UnknownShiftException e = assertThrows(UnknownShiftException.class,
          () -> Shifts.apply(ds, "mnist-c/fog", bad, 0));
      assertTrue(e.getMessage().contains("1..5"), e.getMessage());
    }
    assertThrows(UnknownShiftException.class, () -> Shifts.corruption("mnist-c/fog")
        .apply(TestImages.image(ds, 0), 7, new java.util.SplittableRandom(1)));
  }

  @Test
  void shiftedDatasetIsNamedAfterTheShiftAndKeepsLabelsAndShape() {
    ImageDataset ds = TestImages.digits(5, 1);
    ImageDataset fog = Shifts.apply(ds, "mnist-c/fog", 3, 0);
    assertEquals("digits+mnist-c/fog-3", fog.name());
    assertArrayEquals(ds.images().shape(), fog.images().shape());
    assertArrayEquals(ds.labels().longs(), fog.labels().longs());
    ImageDataset same = Shifts.apply(ds, "identity", 1, 0);
    assertEquals("digits+identity", same.name());
    assertArrayEquals(ds.images().bytes(), same.images().bytes());
  }

  @Test
  void uint8ConversionTruncatesLikeNumpyButForgivesFloatRounding() {
    assertEquals(127, Shifts.toU8(0.4999f) & 0xff); // 127.47 -> 127 (numpy truncates)
    assertEquals(255, Shifts.toU8(1.2f) & 0xff);
    assertEquals(0, Shifts.toU8(-0.3f) & 0xff);
    assertEquals(0, Shifts.toU8(Float.NaN) & 0xff);
    for (int k = 0; k < 256; k++) {
      // 1 - k/255 in float32 can land a hair below the integer 255 - k
      assertEquals(255 - k, Shifts.toU8(1f - k / 255f) & 0xff, "k=" + k);
      assertEquals(k, Shifts.toU8(k / 255f) & 0xff, "k=" + k);
    }
  }
}
