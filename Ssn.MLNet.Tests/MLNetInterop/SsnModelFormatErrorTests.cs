using System.Buffers.Binary;
using Microsoft.ML;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.PersistenceProbe;

namespace Ssn.MLNet.Tests.MLNetInterop;

[TestClass]
public sealed class SsnModelFormatErrorTests
{
    private string dir = "";
    private string good = "";

    [TestInitialize]
    public void SaveAGoodModel()
    {
        dir = ModelFiles.NewTempDir();
        this.good = Path.Combine(dir, "good.zip");
        var ml = new MLContext(seed: 1);
        SsnModelFile.Save(ml, ModelFiles.SamplePayload(), ProbeData.Create(ml).Schema, this.good);
    }

    [TestCleanup]
    public void DeleteDir() => Directory.Delete(dir, recursive: true);

    private static bool IsPayloadKey(string entry) => entry.EndsWith("Model.key") && entry.StartsWith("TransformerChain");

    private string Tampered(string name, Func<string, bool> entry, Func<byte[], byte[]> rewrite)
    {
        string path = Path.Combine(dir, name);
        ModelFiles.RewriteEntry(this.good, path, entry, rewrite);
        return path;
    }

    private static void AssertLoadFails(string path, params string[] phrases)
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(
            () => SsnModelFile.LoadTransformer<PayloadTransformer>(new MLContext(), path, out _));
        StringAssert.Contains(ex.Message, path);
        foreach (string phrase in phrases)
            StringAssert.Contains(ex.Message, phrase);
    }

    /// <summary>Offset of the 4-byte field that follows the first occurrence of <paramref name="ascii"/>.</summary>
    private static int After(byte[] bytes, string ascii) =>
        bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(ascii)) is var at and >= 0
            ? at + ascii.Length
            : throw new AssertFailedException($"'{ascii}' not found");

    [TestMethod]
    public void TheUntamperedModelLoads() =>
        Assert.IsNotNull(SsnModelFile.LoadTransformer<PayloadTransformer>(new MLContext(), this.good, out _));

    [TestMethod]
    public void AMissingFileIsReportedByName()
    {
        string path = Path.Combine(dir, "missing.zip");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(
            () => SsnModelFile.LoadTransformer<PayloadTransformer>(new MLContext(), path, out _));
        StringAssert.Contains(ex.Message, path);
    }

    [TestMethod]
    public void AFileThatIsNotAZipFails()
    {
        string path = Path.Combine(dir, "garbage.zip");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        AssertLoadFails(path, "is not a readable zip archive");
    }

    [TestMethod]
    public void AForeignMLNetModelHasNoPayloadTransformer()
    {
        var ml = new MLContext(seed: 1);
        var data = ProbeData.Create(ml);
        string path = Path.Combine(dir, "foreign.zip");
        ml.Model.Save(ml.Transforms.CopyColumns("Copy", "Features").Fit(data), data.Schema, path);
        AssertLoadFails(path, "holds 0 PayloadTransformer");
    }

    [TestMethod]
    public void AGarbageModelEntryFails() =>
        AssertLoadFails(Tampered("garbage-key.zip", IsPayloadKey, b => new byte[b.Length]), "could not be loaded");

    [TestMethod]
    public void ATamperedWeightsStreamIsDetected() =>
        AssertLoadFails(Tampered("weights.zip", e => e.EndsWith(PayloadTransformer.WeightsStream),
            b => b.Select(x => (byte)(x ^ 0x5A)).ToArray()), PayloadTransformer.WeightsStream, "is corrupt", "SHA-256");

    [TestMethod]
    public void ATamperedBodyIsDetected() =>
        AssertLoadFails(Tampered("body.zip", IsPayloadKey, b =>
        {
            var copy = b.ToArray();
            copy[After(copy, "Features") - 1] ^= 0x20; // "Features" -> "FeatureS" inside the body
            return copy;
        }), "body does not match");

    [TestMethod]
    public void AMissingFormatMarkerIsReported() =>
        AssertLoadFails(Tampered("marker.zip", IsPayloadKey, b =>
        {
            var copy = b.ToArray();
            copy[MarkerOffset(copy) + 3] = (byte)'Y';
            return copy;
        }), "format marker");

    [TestMethod]
    public void ANewerContainerFormatIsRejected() =>
        AssertLoadFails(Tampered("format.zip", IsPayloadKey, b =>
        {
            var copy = b.ToArray();
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(MarkerOffset(copy) + 4), SsnModelFormat.FormatVersion + 1);
            return copy;
        }), $"format {SsnModelFormat.FormatVersion + 1}", $"reads format {SsnModelFormat.FormatVersion} only");

    [TestMethod]
    public void ANewerTransformerVersionIsRejected() =>
        AssertLoadFails(Tampered("newer.zip", IsPayloadKey, b => WithVersion(b, 99)),
            "saved with version 99", "reads versions 1 to 1", "newer version of Ssn.MLNet.Tests");

    [TestMethod]
    public void AnOlderTransformerVersionIsRejected() =>
        AssertLoadFails(Tampered("older.zip", IsPayloadKey, b => WithVersion(b, 0)),
            "saved with version 0", "reads versions 1 to 1");

    [TestMethod]
    public void AnUnknownLoaderSignatureIsReported() =>
        AssertLoadFails(Tampered("signature.zip", IsPayloadKey, b => ModelFiles.ReplaceAscii(b, "SsnPayloadProbe", "SsnPayloadProbX")),
            "needs loader 'SsnPayloadProbX'", "SsnPayloadProbe");

    [TestMethod]
    public void AnUnloadableSavingAssemblyIsReported() =>
        AssertLoadFails(Tampered("assembly.zip", IsPayloadKey, b => ModelFiles.ReplaceAscii(b, "Ssn.MLNet.Tests", "Ssn.MLNet.Testz")),
            "assembly 'Ssn.MLNet.Testz'", "cannot load");

    /// <summary>Offset of Ssn.MLNet's marker ("SSNX" then format version 1); ML.NET's header before it also starts "SSNX".</summary>
    private static int MarkerOffset(byte[] bytes) =>
        bytes.AsSpan().IndexOf("SSNX\u0001\0\0\0"u8) is var at and >= 0 ? at : throw new AssertFailedException("marker not found");

    private static byte[] WithVersion(byte[] modelKey, uint version)
    {
        var copy = modelKey.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(After(copy, PayloadTransformer.LoaderSignature)), version);
        return copy;
    }
}
