namespace Ssn.MLNet.Samples.Cli;

/// <summary>A user error detected by the command line itself (bad combination of options, missing input).</summary>
public sealed class CliException(string message) : Exception(message);
