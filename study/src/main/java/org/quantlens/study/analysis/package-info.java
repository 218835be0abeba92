/**
 * The study's analysis: pure functions over model outputs, no I/O.
 *
 * <p>Disagreements between a float model and its quantized variant (argmax differs) and their
 * kinds, per-input uncertainty metrics (SHIFTS.md section 4), how well a metric separates
 * disagreements from agreements (AUROC with mid-ranks, average precision, TNR at 95% TPR; scored
 * directly or by the one-feature logistic regression protocol of Hu et al., CAIN 2023), layer-wise
 * error between float and quantized activations (SQNR, cosine, max abs), margin histograms and
 * the outcome of retraining with disagreements.
 *
 * <p>Where a value is undefined (no inputs, no positives or no negatives, all scores equal) the
 * functions return {@code NaN} rather than throwing; arrays whose sizes do not fit throw
 * {@link org.quantlens.engine.ShapeMismatchException}.
 */
package org.quantlens.study.analysis;
