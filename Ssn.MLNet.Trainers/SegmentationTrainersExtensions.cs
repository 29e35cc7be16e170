using Ssn.MLNet.Catalog;

namespace Ssn.MLNet.Trainers;

/// <summary>Adds the Spatial Sampling trainer to <c>mlContext.Segmentation().Trainers</c>.</summary>
public static class SegmentationTrainersExtensions
{
    /// <summary>The Spatial Sampling Network trainer with the given options (defaults: the paper's recipe).</summary>
    public static SpatialSamplingTrainer SpatialSampling(this SegmentationTrainers catalog, SpatialSamplingTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SpatialSamplingTrainer(catalog.Environment, options);
    }

    /// <summary>The Spatial Sampling Network trainer with a named recipe's options (<see cref="TrainingRecipes"/>), e.g.
    /// <c>SpatialSampling(TrainingRecipe.Camvid)</c>.</summary>
    public static SpatialSamplingTrainer SpatialSampling(this SegmentationTrainers catalog, TrainingRecipe recipe) =>
        catalog.SpatialSampling(TrainingRecipes.Create(recipe));

    /// <summary>The Spatial Sampling Network trainer with the most common settings.</summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="epochs">Training epochs (paper: 150).</param>
    /// <param name="batchSize">Mini-batch size (paper: 8).</param>
    /// <param name="learningRate">Initial Adam learning rate (paper: 5e-4).</param>
    /// <param name="imageColumnName">Image column.</param>
    /// <param name="labelColumnName">Train-id map column.</param>
    /// <param name="instanceColumnName">Instance map column (semantic-only training when the data lacks it).</param>
    public static SpatialSamplingTrainer SpatialSampling(this SegmentationTrainers catalog, int epochs = 150, int batchSize = 8,
        double learningRate = 5e-4, string imageColumnName = "Image", string labelColumnName = "Label", string instanceColumnName = "InstanceIds") =>
        catalog.SpatialSampling(new SpatialSamplingTrainerOptions
        {
            Epochs = epochs, BatchSize = batchSize, LearningRate = learningRate,
            ImageColumnName = imageColumnName, LabelColumnName = labelColumnName, InstanceColumnName = instanceColumnName,
        });
}
