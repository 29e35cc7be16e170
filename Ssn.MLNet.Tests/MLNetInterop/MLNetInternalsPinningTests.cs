using Microsoft.ML;
using Ssn.MLNet.MLNetInterop;

namespace Ssn.MLNet.Tests.MLNetInterop;

/// <summary>
/// Pins what Ssn.MLNet's model persistence takes from ML.NET's internals (MLNetInternals.cs and
/// build/LoadableClassWeaver). When one of these fails after an ML.NET upgrade, update those two places.
/// </summary>
[TestClass]
public sealed class MLNetInternalsPinningTests
{
    [TestMethod]
    public void EveryInternalMemberUsedStillExists()
    {
        try
        {
            MLNetInternals.Verify();
        }
        catch (InvalidOperationException ex)
        {
            Assert.Fail(ex.Message);
        }
    }

    [TestMethod]
    public void AnotherMLNetReleaseIsRefusedNamingBothVersions()
    {
        MLNetInternals.RequireSupportedMLNet("6.0.0+6eff5ccedce81728c927bfa0155284aadd38531d"); // the release built against
        MLNetInternals.RequireSupportedMLNet("6.0.3");
        foreach (var other in new[] { "5.0.1+abc", "6.1.0", "7.0.0-preview.1", null })
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => MLNetInternals.RequireSupportedMLNet(other), other ?? "null");
            StringAssert.Contains(e.Message, "ML.NET 6.0.x");
            if (other is not null) StringAssert.Contains(e.Message, other.Split('+')[0].Split('-')[0]);
        }
        string loaded = typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        StringAssert.StartsWith(loaded, "6.0.", "the tests run on the ML.NET release the range names");
    }

    [TestMethod]
    public void TheBuildAddedTheLoadableClassAttribute()
    {
        var attributes = typeof(SsnModelFormat).Assembly.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "Microsoft.ML.LoadableClassAttribute").ToArray();
        Assert.HasCount(1, attributes, "Ssn.MLNet.dll lacks [assembly: LoadableClass]: the post-build step in " +
            "Ssn.MLNet/MLNetInterop/MLNetInterop.targets (build/LoadableClassWeaver) did not run.");
        var args = attributes[0].ConstructorArguments;
        Assert.AreEqual(typeof(ITransformer), args[0].Value);
        Assert.AreEqual(typeof(MLNetInternals), args[1].Value);
        Assert.IsNull(args[2].Value);
        Assert.AreEqual("Microsoft.ML.SignatureLoadModel", ((Type)args[3].Value!).FullName);
        var loadNames = (IReadOnlyCollection<System.Reflection.CustomAttributeTypedArgument>)args[5].Value!;
        Assert.AreEqual(MLNetInternals.LoaderSignature, loadNames.Single().Value,
            "SsnLoaderLoadName in MLNetInterop.targets must equal MLNetInternals.LoaderSignature.");
        Assert.IsLessThanOrEqualTo(24, MLNetInternals.LoaderSignature.Length, "ML.NET headers hold 24 characters");
        Assert.AreEqual(8, MLNetInternals.ModelSignature.Length);
    }

    [TestMethod]
    public void TheRuntimeInstantiatesTheWovenAttribute()
    {
        // LoadableClassAttribute's constructor is internal to Microsoft.ML.Core; without Ssn.MLNet's
        // [assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")] the runtime silently drops the attribute
        // and ML.NET never sees the loader ("Couldn't load model: 'TransformerChain'").
        var instances = Attribute.GetCustomAttributes(typeof(SsnModelFormat).Assembly)
            .Where(a => a.GetType().FullName == "Microsoft.ML.LoadableClassAttribute").ToArray();
        Assert.HasCount(1, instances, "the runtime no longer honours IgnoresAccessChecksTo for Ssn.MLNet's LoadableClass attribute.");
    }

    [TestMethod]
    public void MLNetAcceptsTheLoaderWhenItRegistersTheAssembly()
    {
        // ML.NET finds MLNetInternals.Create(IHostEnvironment, object) with Type.GetMethod and the internal
        // ModelLoadContext parameter type; it throws "Can't instantiate loadable class" if that lookup breaks.
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(SsnModelFormat).Assembly, throwOnError: true);
    }
}
