// Which return addresses lie in V8's regular-expression engine. Preemption
// must never switch threads inside a match (see InterruptedInsideRegExp in
// global_lock.cc), so the interrupt callback asks this for each native frame
// between itself and the first generated-code frame.
//
// Two sources of names:
//  * dladdr, which reads the dynamic symbol table: enough for Node 20 and 22,
//    whose binaries export V8's internal functions;
//  * the executable's full symbol table (.symtab), read once from
//    /proc/self/exe: npm's Node 24 binary exports none of the regexp engine's
//    functions (nm -D), but its .symtab still names them
//    (NativeRegExpMacroAssembler::CheckStackGuardState,
//    IrregexpInterpreter::MatchInternal, RegExpMacroAssemblerX64::...).
// A function counts as the regexp engine's when its (mangled) name contains
// "RegExp" or "regexp" ("Irregexp" included).
#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "shim.h"

namespace thread_shim {

namespace {

bool IsRegExpName(const char* name) {
  return std::strstr(name, "RegExp") != nullptr || std::strstr(name, "regexp") != nullptr;
}

// Sorted [start, end) ranges of regexp-engine functions in the executable,
// already moved by its load bias.
std::vector<std::pair<uintptr_t, uintptr_t>> g_ranges;
std::once_flag g_ranges_once;

int MainProgramBias(struct dl_phdr_info* info, size_t, void* data) {
  // The first object dl_iterate_phdr reports is the main program.
  *static_cast<uintptr_t*>(data) = info->dlpi_addr;
  return 1;
}

// Reads the section headers, the symbol table and its string table of
// /proc/self/exe with plain stdio. Any failure leaves the table empty, and
// dladdr alone decides.
void ReadExecutableSymbols() {
  FILE* file = std::fopen("/proc/self/exe", "rb");
  if (file == nullptr) return;
  auto read_at = [file](long offset, void* into, size_t size) {
    return std::fseek(file, offset, SEEK_SET) == 0 && std::fread(into, 1, size, file) == size;
  };
  Elf64_Ehdr header;
  std::vector<Elf64_Shdr> sections;
  if (read_at(0, &header, sizeof header) && std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
      header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_shentsize == sizeof(Elf64_Shdr)) {
    sections.resize(header.e_shnum);
    if (!read_at(static_cast<long>(header.e_shoff), sections.data(), sections.size() * sizeof(Elf64_Shdr))) {
      sections.clear();
    }
  }
  uintptr_t bias = 0;
  dl_iterate_phdr(MainProgramBias, &bias);
  for (const Elf64_Shdr& table : sections) {
    if (table.sh_type != SHT_SYMTAB || table.sh_link >= sections.size()) continue;
    const Elf64_Shdr& names_section = sections[table.sh_link];
    std::vector<char> names(names_section.sh_size + 1, '\0');
    std::vector<Elf64_Sym> symbols(table.sh_size / sizeof(Elf64_Sym));
    if (!read_at(static_cast<long>(names_section.sh_offset), names.data(), names_section.sh_size) ||
        !read_at(static_cast<long>(table.sh_offset), symbols.data(), symbols.size() * sizeof(Elf64_Sym))) {
      break;
    }
    for (const Elf64_Sym& symbol : symbols) {
      if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_size == 0 ||
          symbol.st_name >= names_section.sh_size || !IsRegExpName(names.data() + symbol.st_name)) {
        continue;
      }
      uintptr_t start = bias + symbol.st_value;
      g_ranges.emplace_back(start, start + symbol.st_size);
    }
    break;
  }
  std::fclose(file);
  std::sort(g_ranges.begin(), g_ranges.end());
}

bool InExecutableRegExpRange(uintptr_t address) {
  auto after = std::upper_bound(g_ranges.begin(), g_ranges.end(),
                                std::make_pair(address, UINTPTR_MAX));
  return after != g_ranges.begin() && address < std::prev(after)->second;
}

}  // namespace

void LoadRegExpEngineRanges() { std::call_once(g_ranges_once, ReadExecutableSymbols); }

size_t RegExpEngineRangeCount() {
  LoadRegExpEngineRanges();
  return g_ranges.size();
}

// dladdr scans the dynamic symbol table (tens of thousands of entries in
// node), so each address is looked up once; the interrupt paths have few of
// them. Only the global lock holder runs interrupts, so no other lock.
bool IsRegExpEngineFrame(void* address) {
  static std::unordered_map<void*, bool> known;
  auto found = known.find(address);
  if (found != known.end()) return found->second;
  LoadRegExpEngineRanges();
  Dl_info info;
  bool regexp = InExecutableRegExpRange(reinterpret_cast<uintptr_t>(address)) ||
                (dladdr(address, &info) != 0 && info.dli_sname != nullptr && IsRegExpName(info.dli_sname));
  known.emplace(address, regexp);
  return regexp;
}

}  // namespace thread_shim
