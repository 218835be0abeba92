/**
 * Synthetic distribution shifts.
 *
 * <p>Images: {@link org.quantlens.study.shift.Shifts} names every shift ({@code identity},
 * {@code mnist-c/<name>} for the 15 MNIST-C corruptions, {@code cifar10-c/<name>} for the 19
 * CIFAR-10-C ones), applies one to an {@code ImageDataset} at a severity 1..5 deterministically
 * for a seed, and draws contact sheets ({@link org.quantlens.study.shift.ShiftGrid}). Each
 * {@link org.quantlens.study.shift.Corruption} class documents its reference parameters and, for
 * MNIST-C, which severity is the MNIST-C dataset's setting. Text: {@link
 * org.quantlens.study.shift.TextShift}.
 *
 * <p>Parameters and algorithms follow the reference code (MNIST-C {@code corruptions.py},
 * CIFAR-10-C {@code make_cifar_c.py}; see {@code SHIFTS.md}); random draws follow the same
 * distributions from Java's {@code SplittableRandom}, not numpy's stream, so outputs are not
 * the released files' bytes. Known departures: frost uses a procedural texture; motion blur (and
 * snow's) is the numpy port of ImageMagick's kernel; JPEG goes through {@code javax.imageio}, not
 * PIL's libjpeg build; OpenCV's fixed-point interpolation in {@code warpAffine} is done in
 * floating point.
 */
package org.quantlens.study.shift;
