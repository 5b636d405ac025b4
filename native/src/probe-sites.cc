#include "probe-sites.h"

#include <capstone/capstone.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>

namespace bpfloader {

namespace {

struct ElfFile {
	int fd = -1;
	Elf *elf = nullptr;
	explicit ElfFile(const std::string &path) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			throw std::runtime_error("libelf is too old");
		fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			throw std::runtime_error("Failed to open " + path + ": " + std::strerror(errno));
		elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
		if (!elf || elf_kind(elf) != ELF_K_ELF) {
			Close();
			throw std::runtime_error(path + " is not an ELF file");
		}
	}
	~ElfFile() { Close(); }
	void Close() {
		if (elf)
			elf_end(elf);
		if (fd >= 0)
			close(fd);
		elf = nullptr;
		fd = -1;
	}
};

std::string MachineOf(Elf *elf) {
	GElf_Ehdr header;
	if (!gelf_getehdr(elf, &header))
		return "other";
	if (header.e_machine == EM_X86_64)
		return "x86_64";
	if (header.e_machine == EM_AARCH64)
		return "aarch64";
	return "other";
}

// A virtual address in an executable segment, as an offset in the file.
bool FileOffsetOf(Elf *elf, uint64_t address, uint64_t *offset) {
	size_t count = 0;
	if (elf_getphdrnum(elf, &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		GElf_Phdr segment;
		if (!gelf_getphdr(elf, i, &segment) || segment.p_type != PT_LOAD || !(segment.p_flags & PF_X))
			continue;
		if (address >= segment.p_vaddr && address < segment.p_vaddr + segment.p_memsz) {
			*offset = address - segment.p_vaddr + segment.p_offset;
			return true;
		}
	}
	return false;
}

} // namespace

ElfSites FindFunctions(const std::string &path, const std::vector<std::string> &names) {
	ElfFile file(path);
	ElfSites sites;
	sites.machine = MachineOf(file.elf);
	std::set<std::string> wanted(names.begin(), names.end());
	size_t strings_index = 0;
	elf_getshdrstrndx(file.elf, &strings_index);
	Elf_Scn *section = nullptr;
	while ((section = elf_nextscn(file.elf, section))) {
		GElf_Shdr header;
		if (!gelf_getshdr(section, &header))
			continue;
		const char *section_name = elf_strptr(file.elf, strings_index, header.sh_name);
		if (section_name && (!std::strcmp(section_name, ".go.buildinfo") || !std::strcmp(section_name, ".gopclntab")))
			sites.is_go = true;
		if (header.sh_type == SHT_SYMTAB)
			sites.has_symtab = true;
		if ((header.sh_type != SHT_SYMTAB && header.sh_type != SHT_DYNSYM) || header.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(section, nullptr);
		if (!data)
			continue;
		size_t count = header.sh_size / header.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym symbol;
			if (!gelf_getsym(data, i, &symbol) || GELF_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_value == 0)
				continue;
			const char *name = elf_strptr(file.elf, header.sh_link, symbol.st_name);
			if (!name || !wanted.count(name) || sites.functions.count(name))
				continue;
			FunctionSite site;
			if (!FileOffsetOf(file.elf, symbol.st_value, &site.offset))
				continue;
			site.size = symbol.st_size;
			sites.functions[name] = site;
		}
	}
	return sites;
}

std::vector<uint64_t> FindReturns(const std::string &path, const std::string &machine, const FunctionSite &site) {
	if (site.size == 0 || site.size > (1 << 20))
		throw std::runtime_error("a function of " + std::to_string(site.size) + " bytes: no code to search for returns");
	std::vector<uint8_t> code(site.size);
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw std::runtime_error("Failed to open " + path + ": " + std::strerror(errno));
	ssize_t got = pread(fd, code.data(), code.size(), static_cast<off_t>(site.offset));
	close(fd);
	if (got != static_cast<ssize_t>(code.size()))
		throw std::runtime_error("Failed to read a function's code from " + path);

	std::vector<uint64_t> returns;
	if (machine == "aarch64") {
		// Fixed-width instructions: RET (to x30) is 0xd65f03c0.
		for (size_t at = 0; at + 4 <= code.size(); at += 4) {
			uint32_t word;
			std::memcpy(&word, code.data() + at, 4);
			if (word == 0xd65f03c0)
				returns.push_back(at);
		}
		return returns;
	}
	if (machine != "x86_64")
		throw std::runtime_error("return instructions can be found on x86_64 and aarch64 only, not " + machine);
	csh handle;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
		throw std::runtime_error("capstone failed to open an x86_64 disassembler");
	cs_insn *instruction = cs_malloc(handle);
	const uint8_t *bytes = code.data();
	size_t left = code.size();
	uint64_t address = 0;
	// Variable-length code: only a real disassembler tells a RET from a 0xc3 byte inside another instruction.
	while (left > 0) {
		if (cs_disasm_iter(handle, &bytes, &left, &address, instruction)) {
			if (instruction->id == X86_INS_RET)
				returns.push_back(instruction->address);
			continue;
		}
		// Not code (padding or data): step over one byte.
		bytes++;
		left--;
		address++;
	}
	cs_free(instruction, 1);
	cs_close(&handle);
	return returns;
}

} // namespace bpfloader
