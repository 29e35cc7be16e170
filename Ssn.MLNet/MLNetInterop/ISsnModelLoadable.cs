using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Ssn.MLNet.MLNetInterop;

/// <summary>
/// A transformer that <see cref="SsnModelFormat.Save{TTransformer}"/> can write into an ML.NET model file and that
/// <c>MLContext.Model.Load</c> can read back with no registration call. Implement it on the transformer type
/// itself; any assembly the application can load by name may hold such types.
/// </summary>
/// <remarks>
/// Loading finds the implementation by <see cref="LoaderSignature"/> among the types of the assembly that saved
/// it, so keep the signature stable across renames. Raise <see cref="ModelVersion"/> whenever the body or the
/// stream layout changes, and keep reading older versions down to <see cref="OldestReadableModelVersion"/>.
/// </remarks>
public interface ISsnModelLoadable
{
    /// <summary>Stable name of this transformer's saved format, unique within its assembly (e.g. "SpatialSampling").</summary>
    static abstract string LoaderSignature { get; }

    /// <summary>Version of the format written now; loading rejects models saved with a higher version.</summary>
    static abstract uint ModelVersion { get; }

    /// <summary>Oldest version <see cref="Load"/> still reads; loading rejects older models. Default 1.</summary>
    static virtual uint OldestReadableModelVersion => 1;

    /// <summary>Rebuilds the transformer from what <see cref="SsnModelFormat.Save{TTransformer}"/> wrote.</summary>
    /// <param name="env">The host environment (the <see cref="MLContext"/>) that loads the model.</param>
    /// <param name="context">The saved body, its version and its binary streams.</param>
    static abstract ITransformer Load(IHostEnvironment env, SsnModelLoadContext context);
}
