using System.Buffers.Binary;
using System.Text;

namespace Ssn.MLNet.Trainers.Runtime;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF
/// shared library. Used to mark a version requirement weak (<c>VER_FLG_WEAK</c>) so that the dynamic loader
/// only warns when the running system library lacks it, instead of refusing to load.
/// </summary>
/// <remarks>
/// Weakening is only safe when no relocation binds a symbol to that version: otherwise the symbol would be
/// resolved against something that does not exist. <see cref="IsUnreferenced"/> checks exactly that.
/// </remarks>
internal sealed class ElfVersionNeeds
{
    private const uint ShtRela = 4, ShtDynsym = 11, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlagWeak = 0x2;

    private readonly byte[] elf;
    private readonly List<Section> sections = new();

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, ulong EntrySize);

    /// <summary>One required version (a <c>Vernaux</c> entry).</summary>
    public readonly record struct Requirement(string File, string Version, ushort Index, int FlagsOffset, ushort Flags)
    {
        /// <summary>Whether the requirement is already weak.</summary>
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>Parses <paramref name="image"/>, the bytes of an ELF file; <paramref name="name"/> is used in errors.</summary>
    public ElfVersionNeeds(byte[] image, string name)
    {
        elf = image;
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException($"'{name}' is not an ELF file.");
        if (image[4] != 2 || image[5] != 1)
            throw new InvalidDataException($"'{name}' is not a 64-bit little-endian ELF file.");
        ulong shoff = U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shoff == 0 || shnum == 0 || shentsize < 64 || shoff + (ulong)(shnum * shentsize) > (ulong)image.Length)
            throw new InvalidDataException($"'{name}' has no readable section headers.");
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)shoff + i * shentsize);
            sections.Add(new Section(U32(h + 4), U64(h + 24), U64(h + 32), U32(h + 40), U64(h + 56)));
        }
        foreach (var s in sections)
            if (s.Type != 8 /* NOBITS */ && s.Offset + s.Size > (ulong)image.Length)
                throw new InvalidDataException($"'{name}' is truncated: a section lies past the end of the file.");
        Requirements = ReadRequirements();
    }

    /// <summary>All version requirements, in file order.</summary>
    public IReadOnlyList<Requirement> Requirements { get; }

    /// <summary>The (possibly edited) file bytes.</summary>
    public byte[] Image => elf;

    /// <summary>
    /// True when no dynamic relocation refers to a symbol bound to version index <paramref name="index"/>:
    /// the requirement is then only a marker and can be made weak without changing what the library binds to.
    /// </summary>
    public bool IsUnreferenced(ushort index)
    {
        int dynsymIndex = sections.FindIndex(s => s.Type == ShtDynsym);
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsymIndex < 0 || versym.Size == 0) return false;
        var symbols = new HashSet<ulong>();
        for (ulong i = 0; i < versym.Size / 2; i++)
            if ((U16(checked((int)(versym.Offset + 2 * i))) & 0x7fff) == index) symbols.Add(i);
        if (symbols.Count == 0) return true;
        foreach (var rela in sections.Where(s => s.Type == ShtRela && s.Link == dynsymIndex))
        {
            ulong entry = rela.EntrySize == 0 ? 24 : rela.EntrySize;
            for (ulong off = 0; off + entry <= rela.Size; off += entry)
                if (symbols.Contains(U64(checked((int)(rela.Offset + off + 8))) >> 32)) return false;
        }
        return true;
    }

    /// <summary>Sets <c>VER_FLG_WEAK</c> on <paramref name="requirement"/> in <see cref="Image"/>.</summary>
    public void MakeWeak(Requirement requirement) =>
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(requirement.FlagsOffset), (ushort)(requirement.Flags | VerFlagWeak));

    private List<Requirement> ReadRequirements()
    {
        var list = new List<Requirement>();
        foreach (var vr in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = sections[(int)vr.Link];
            ulong need = 0;
            while (need + 16 <= vr.Size)
            {
                int n = checked((int)(vr.Offset + need));
                int count = U16(n + 2);
                string file = Str(strtab, U32(n + 4));
                ulong aux = need + U32(n + 8);
                for (int k = 0; k < count && aux + 16 <= vr.Size; k++)
                {
                    int a = checked((int)(vr.Offset + aux));
                    list.Add(new Requirement(file, Str(strtab, U32(a + 8)), (ushort)U16(a + 6), a + 4, (ushort)U16(a + 4)));
                    uint nextAux = U32(a + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(n + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return list;
    }

    private string Str(Section strtab, uint offset)
    {
        int start = checked((int)(strtab.Offset + offset)), end = start;
        while (end < elf.Length && elf[end] != 0) end++;
        return Encoding.ASCII.GetString(elf, start, end - start);
    }

    private int U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(at));
    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(at));
    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(at));
}
