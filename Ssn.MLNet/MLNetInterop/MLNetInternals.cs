// THE ONLY FILE OF Ssn.MLNet THAT TOUCHES ML.NET INTERNALS (runtime side; the build side is
// build/LoadableClassWeaver, run by MLNetInterop.targets). Pinned by MLNetInternalsPinningTests.
//
// ML.NET 6.0 (as 5.0 before it) keeps ModelSaveContext's members, ModelLoadContext, VersionInfo and LoadableClassAttribute
// internal (dotnet/machinelearning#4911, #6839). This file reaches them by reflection, resolving every member
// once and failing with a message that names the missing member when a new ML.NET renames one.
//
// How ML.NET finds our loader: MLContext.Model.Load reads each sub-model's header; the header records a loader
// assembly name ("Ssn.MLNet", written by SetVersionInfo below) and a loader signature (LoaderSignature below).
// ML.NET loads that assembly, registers it in the context's ComponentCatalog (scanning [assembly: LoadableClass]
// attributes; ours is added after compilation by the weaver) and calls Create(env, ModelLoadContext) below.

using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

// Lets the runtime instantiate the woven LoadableClassAttribute (an internal type of Microsoft.ML.Core) when
// ML.NET reads Ssn.MLNet's assembly attributes. The runtime honours this attribute; C# does not.
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]

namespace Ssn.MLNet.MLNetInterop
{
    /// <summary>Reflection access to the ML.NET internals that model persistence needs, and the loader entry point.</summary>
    internal static class MLNetInternals
    {
        /// <summary>Loader signature in every Ssn.MLNet model header (at most 24 ASCII characters). Must match
        /// <c>SsnLoaderLoadName</c> in MLNetInterop.targets.</summary>
        internal const string LoaderSignature = "SsnMLNetTransformer";

        /// <summary>Model signature in every Ssn.MLNet model header (exactly 8 characters).</summary>
        internal const string ModelSignature = "SSNXFORM";

        /// <summary>Version of ML.NET's own header written for Ssn.MLNet models; our format is versioned inside.</summary>
        private const uint HeaderVersion = 0x00010001;

        /// <summary>ML.NET's entry point for loading an Ssn.MLNet model (named by the woven LoadableClass attribute).
        /// The parameter is an internal <c>Microsoft.ML.ModelLoadContext</c>; ML.NET finds this method with
        /// <c>Type.GetMethod</c>, whose default binder accepts <see cref="object"/> for any parameter type.</summary>
        internal static ITransformer Create(IHostEnvironment env, object modelLoadContext)
        {
            ArgumentNullException.ThrowIfNull(env);
            ArgumentNullException.ThrowIfNull(modelLoadContext);
            var m = Members.Value;
            var reader = (BinaryReader)m.LoadReader.GetValue(modelLoadContext)!;
            string directory = (string?)m.LoadDirectory.GetValue(modelLoadContext) ?? "";
            bool TryLoadStream(string name, Action<BinaryReader> read) =>
                (bool)Invoke(m.TryLoadBinaryStream, modelLoadContext, name, read)!;
            return SsnModelFormat.LoadBody(env, reader, directory, TryLoadStream);
        }

        /// <summary>Writes ML.NET's model header for an Ssn.MLNet sub-model and returns the writer of its main stream.</summary>
        internal static BinaryWriter BeginSave(ModelSaveContext ctx)
        {
            var m = Members.Value;
            if (!(bool)m.SaveInRepository.GetValue(ctx)!)
                throw new InvalidOperationException(
                    "Ssn.MLNet transformers can only be saved into a model file (MLContext.Model.Save), not into a single stream.");
            object version = m.VersionInfoCtor.Invoke([ModelSignature, HeaderVersion, HeaderVersion, HeaderVersion,
                typeof(MLNetInternals).Assembly.GetName().Name, LoaderSignature, null]);
            Invoke(m.SetVersionInfo, ctx, version);
            return (BinaryWriter)m.SaveWriter.GetValue(ctx)!;
        }

        /// <summary>Saves a binary stream entry next to the sub-model's main stream.</summary>
        internal static void SaveBinaryStream(ModelSaveContext ctx, string name, Action<BinaryWriter> write) =>
            Invoke(Members.Value.SaveBinaryStream, ctx, name, write);

        /// <summary>A <see cref="SchemaShape.Column"/> (its constructor is internal), for estimators' <c>GetOutputSchema</c>.</summary>
        internal static SchemaShape.Column NewSchemaShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey) =>
            (SchemaShape.Column)Members.Value.SchemaShapeColumnCtor.Invoke([name, kind, itemType, isKey, null]);

        /// <summary>Resolves every member this file uses; throws naming the first missing one. Used by the pinning test.</summary>
        internal static void Verify() => _ = Members.Value;

        /// <summary>The ML.NET releases whose internals this file was checked against (major.minor; the package
        /// metadata pins the same range, <c>[6.0.0,6.1.0)</c> in Directory.Packages.props).</summary>
        internal static readonly Version SupportedMLNet = new(6, 0);

        /// <summary>
        /// Throws unless the ML.NET loaded is <see cref="SupportedMLNet"/>: its assembly version is always 1.0.0.0, so the
        /// release is read from the informational version ("6.0.0+commit"). Run before any internal member is touched,
        /// so that another release fails here, naming both versions, rather than with a MissingMethodException.
        /// </summary>
        internal static void RequireSupportedMLNet(string? informationalVersion)
        {
            string text = informationalVersion?.Split('+', '-')[0] ?? "";
            if (Version.TryParse(text, out var found) && found.Major == SupportedMLNet.Major && found.Minor == SupportedMLNet.Minor) return;
            throw new InvalidOperationException(
                $"Ssn.MLNet saves and loads models through ML.NET internals checked with ML.NET {SupportedMLNet.Major}.{SupportedMLNet.Minor}.x only, " +
                $"but ML.NET {(text.Length > 0 ? text : "(unknown version)")} is loaded. Use Microsoft.ML {SupportedMLNet.Major}.{SupportedMLNet.Minor}.x, " +
                "or an Ssn.MLNet release built for your ML.NET.");
        }

        private static object? Invoke(MethodInfo method, object target, params object?[] args)
        {
            try
            {
                return method.Invoke(target, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private static readonly Lazy<InternalMembers> Members = new(InternalMembers.Resolve);

        private sealed record InternalMembers(
            MethodInfo SetVersionInfo, FieldInfo SaveWriter, PropertyInfo SaveInRepository, MethodInfo SaveBinaryStream,
            ConstructorInfo VersionInfoCtor, FieldInfo LoadReader, FieldInfo LoadDirectory, MethodInfo TryLoadBinaryStream,
            ConstructorInfo SchemaShapeColumnCtor)
        {
            private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

            public static InternalMembers Resolve()
            {
                var core = typeof(ModelSaveContext).Assembly;
                RequireSupportedMLNet(core.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
                var save = typeof(ModelSaveContext);
                var load = TypeOrThrow(core, "Microsoft.ML.ModelLoadContext");
                var versionInfo = TypeOrThrow(core, "Microsoft.ML.VersionInfo");
                return new InternalMembers(
                    MethodOrThrow(save, "SetVersionInfo", versionInfo),
                    FieldOrThrow(save, "Writer", typeof(BinaryWriter)),
                    PropertyOrThrow(save, "InRepository", typeof(bool)),
                    MethodOrThrow(save, "SaveBinaryStream", typeof(string), typeof(Action<BinaryWriter>)),
                    versionInfo.GetConstructor(Any, [typeof(string), typeof(uint), typeof(uint), typeof(uint),
                        typeof(string), typeof(string), typeof(string)]) ?? throw Changed(versionInfo.FullName + "..ctor(string, uint, uint, uint, string, string, string)"),
                    FieldOrThrow(load, "Reader", typeof(BinaryReader)),
                    FieldOrThrow(load, "Directory", typeof(string)),
                    MethodOrThrow(load, "TryLoadBinaryStream", typeof(string), typeof(Action<BinaryReader>)),
                    typeof(SchemaShape.Column).GetConstructor(Any, [typeof(string), typeof(SchemaShape.Column.VectorKind),
                        typeof(DataViewType), typeof(bool), typeof(SchemaShape)])
                        ?? throw Changed("Microsoft.ML.SchemaShape.Column..ctor(string, VectorKind, DataViewType, bool, SchemaShape)"));
            }

            private static Type TypeOrThrow(Assembly core, string name) => core.GetType(name) ?? throw Changed(name);

            private static MethodInfo MethodOrThrow(Type type, string name, params Type[] parameters) =>
                type.GetMethod(name, Any, null, parameters, null)
                ?? throw Changed($"{type.FullName}.{name}({string.Join(", ", parameters.Select(p => p.Name))})");

            private static FieldInfo FieldOrThrow(Type type, string name, Type fieldType) =>
                type.GetField(name, Any) is { } f && f.FieldType == fieldType ? f : throw Changed($"{type.FullName}.{name} ({fieldType.Name} field)");

            private static PropertyInfo PropertyOrThrow(Type type, string name, Type propertyType) =>
                type.GetProperty(name, Any) is { } p && p.PropertyType == propertyType ? p : throw Changed($"{type.FullName}.{name} ({propertyType.Name} property)");

            private static InvalidOperationException Changed(string member) => new(
                $"ML.NET {typeof(ModelSaveContext).Assembly.GetName().Version} (Microsoft.ML.Core) no longer has the internal member " +
                $"'{member}' that Ssn.MLNet model persistence relies on (written against ML.NET 6.0). " +
                "Update Ssn.MLNet/MLNetInterop/MLNetInternals.cs for this ML.NET version.");
        }
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>Honoured by the .NET runtime (not by C#): code in this assembly may access internals of the named assembly.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
    {
        /// <summary>Simple name of the assembly whose internals this assembly may access.</summary>
        public string AssemblyName { get; } = assemblyName;
    }
}
