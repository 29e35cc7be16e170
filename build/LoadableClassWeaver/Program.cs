// Post-build step for Ssn.MLNet: adds
//   [assembly: Microsoft.ML.LoadableClass(typeof(<instance type>), typeof(<loader type>), null,
//                                         typeof(Microsoft.ML.SignatureLoadModel), "<user name>", "<load name>")]
// to a compiled assembly. ML.NET 5.0.1 keeps LoadableClassAttribute internal, so C# cannot write it; ML.NET
// scans this attribute when it registers the loader assembly named in a model file's header
// (ModelLoadContext.EnsureLoaderAssemblyIsRegistered -> ComponentCatalog.RegisterAssembly).
// Idempotent: an assembly that already carries the attribute is left untouched (incremental builds).
// Usage: LoadableClassWeaver <assembly.dll> <Microsoft.ML.Core.dll> <loader type full name> <load name> <user name>

using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Ssn.MLNet.Build;

internal static class Program
{
    private const string AttributeNamespace = "Microsoft.ML";
    private const string AttributeName = "LoadableClassAttribute";
    private const string SignatureNamespace = "Microsoft.ML";
    private const string SignatureName = "SignatureLoadModel";
    private const string MLCoreAssemblyName = "Microsoft.ML.Core";

    // The LoadableClassAttribute constructor used: (Type instType, Type loaderType, Type argType, Type sigType,
    // string userName, params string[] loadNames).
    private static readonly string[] CtorParameterTypes =
        ["System.Type", "System.Type", "System.Type", "System.Type", "System.String", "System.String[]"];

    private static int Main(string[] args)
    {
        if (args.Length != 6)
        {
            Console.Error.WriteLine("usage: LoadableClassWeaver <assembly.dll> <Microsoft.ML.Core.dll> <loader type> <load name> <user name> <reference-list file>");
            return 2;
        }
        try
        {
            Weave(args[0], args[1], args[2], args[3], args[4], args[5]);
            return 0;
        }
        catch (Exception ex)
        {
            // MSBuild's canonical error format, so the message shows up as a build error naming the file.
            Console.Error.WriteLine($"{args[0]} : error SSNW001: {ex.Message}");
            return 1;
        }
    }

    private static void Weave(string assemblyPath, string mlCorePath, string loaderTypeName, string loadName, string userName, string referenceList)
    {
        // Cecil must resolve the assembly's references (e.g. TorchSharp base types) from the compile references.
        using var resolver = new DefaultAssemblyResolver();
        foreach (string? dir in File.ReadAllLines(referenceList).Where(l => l.Length > 0).Select(Path.GetDirectoryName).Distinct())
            resolver.AddSearchDirectory(dir!);

        CheckMLCoreStillHasTheAttribute(mlCorePath);

        string pdbPath = Path.ChangeExtension(assemblyPath, ".pdb");
        bool hasPdbFile = File.Exists(pdbPath);
        using var assemblyBytes = new MemoryStream(File.ReadAllBytes(assemblyPath));
        using var pdbBytes = hasPdbFile ? new MemoryStream(File.ReadAllBytes(pdbPath)) : null;
        var readerParameters = new ReaderParameters
        {
            ReadingMode = ReadingMode.Immediate,
            ReadSymbols = true,
            SymbolStream = pdbBytes,
            SymbolReaderProvider = new DefaultSymbolReaderProvider(throwIfNoSymbol: false),
            AssemblyResolver = resolver,
        };
        using var module = ModuleDefinition.ReadModule(assemblyBytes, readerParameters);

        var existing = module.Assembly.CustomAttributes.FirstOrDefault(a =>
            a.AttributeType.Namespace == AttributeNamespace && a.AttributeType.Name == AttributeName &&
            a.ConstructorArguments.Count == CtorParameterTypes.Length &&
            a.ConstructorArguments[5].Value is CustomAttributeArgument[] names &&
            names.Any(n => (string?)n.Value == loadName));
        if (existing is not null)
        {
            Console.WriteLine($"LoadableClassWeaver: {Path.GetFileName(assemblyPath)} already registers '{loadName}'.");
            return;
        }

        var loaderType = module.GetType(loaderTypeName)
            ?? throw new InvalidOperationException($"loader type '{loaderTypeName}' is not defined in {assemblyPath}.");
        var create = loaderType.Methods.SingleOrDefault(m => m.Name == "Create" && m.IsStatic && m.Parameters.Count == 2)
            ?? throw new InvalidOperationException(
                $"'{loaderTypeName}' needs one static Create(IHostEnvironment, object) method for ML.NET's model loader.");
        var instanceType = create.ReturnType;

        var mlCore = module.AssemblyReferences.SingleOrDefault(r => r.Name == MLCoreAssemblyName)
            ?? throw new InvalidOperationException($"{assemblyPath} does not reference {MLCoreAssemblyName}.");
        var systemType = new TypeReference("System", "Type", module, module.TypeSystem.CoreLibrary);
        var attributeType = new TypeReference(AttributeNamespace, AttributeName, module, mlCore);
        var signatureType = new TypeReference(SignatureNamespace, SignatureName, module, mlCore);
        var stringArray = new ArrayType(module.TypeSystem.String);
        var ctor = new MethodReference(".ctor", module.TypeSystem.Void, attributeType) { HasThis = true };
        foreach (var p in new TypeReference[] { systemType, systemType, systemType, systemType, module.TypeSystem.String, stringArray })
            ctor.Parameters.Add(new ParameterDefinition(p));

        var attribute = new CustomAttribute(ctor);
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(systemType, instanceType));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(systemType, loaderType));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(systemType, null));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(systemType, signatureType));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, userName));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(stringArray,
            new[] { new CustomAttributeArgument(module.TypeSystem.String, loadName) }));
        module.Assembly.CustomAttributes.Add(attribute);

        using var newAssembly = new MemoryStream();
        using var newPdb = new MemoryStream();
        var writerParameters = new WriterParameters { DeterministicMvid = true };
        if (hasPdbFile && module.HasSymbols)
        {
            writerParameters.WriteSymbols = true;
            writerParameters.SymbolStream = newPdb;
            writerParameters.SymbolWriterProvider = new PortablePdbWriterProvider();
        }
        else if (module.HasSymbols)
        {
            writerParameters.WriteSymbols = true;
            writerParameters.SymbolWriterProvider = new EmbeddedPortablePdbWriterProvider();
        }
        module.Write(newAssembly, writerParameters);

        // Temp file then rename: a failed step never leaves a half-written assembly behind.
        ReplaceFile(assemblyPath, newAssembly);
        if (writerParameters.SymbolStream is not null)
            ReplaceFile(pdbPath, newPdb);
        Console.WriteLine($"LoadableClassWeaver: registered '{loadName}' -> {loaderTypeName} in {Path.GetFileName(assemblyPath)}.");
    }

    // Fails the build with a clear message when a new ML.NET renames or removes what the attribute names.
    private static void CheckMLCoreStillHasTheAttribute(string mlCorePath)
    {
        using var mlCore = ModuleDefinition.ReadModule(mlCorePath);
        string version = mlCore.Assembly.Name.Version.ToString();
        var attribute = mlCore.GetType(AttributeNamespace, AttributeName)
            ?? throw new InvalidOperationException(
                $"{mlCorePath} (version {version}) has no {AttributeNamespace}.{AttributeName}: ML.NET's internals changed; update Ssn.MLNet/MLNetInterop.");
        bool hasCtor = attribute.Methods.Any(m => m.IsConstructor && !m.IsStatic &&
            m.Parameters.Select(p => p.ParameterType.FullName).SequenceEqual(CtorParameterTypes));
        if (!hasCtor)
            throw new InvalidOperationException(
                $"{AttributeNamespace}.{AttributeName} in {mlCorePath} (version {version}) lost its ({string.Join(", ", CtorParameterTypes)}) constructor: ML.NET's internals changed; update Ssn.MLNet/MLNetInterop.");
        if (mlCore.GetType(SignatureNamespace, SignatureName) is null)
            throw new InvalidOperationException(
                $"{mlCorePath} (version {version}) has no {SignatureNamespace}.{SignatureName}: ML.NET's internals changed; update Ssn.MLNet/MLNetInterop.");
    }

    private static void ReplaceFile(string path, MemoryStream content)
    {
        string temp = path + ".weaving";
        File.WriteAllBytes(temp, content.ToArray());
        File.Move(temp, path, overwrite: true);
    }
}
