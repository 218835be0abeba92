/**
 * Training recipes over engine graphs: {@link org.quantlens.study.recipe.StandardRecipe},
 * {@link org.quantlens.study.recipe.AdversarialRecipe} (FGSM/PGD, {@link
 * org.quantlens.study.recipe.Attack}), {@link org.quantlens.study.recipe.MixupRecipe}, {@link
 * org.quantlens.study.recipe.QatRecipe} (quantization-aware training converted to static-int8), and
 * {@link org.quantlens.study.recipe.Retrain} (fine-tuning with added disagreement inputs). {@link
 * org.quantlens.study.recipe.Recipes} builds them by name.
 */
package org.quantlens.study.recipe;
