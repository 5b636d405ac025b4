// Where to put uprobes in an ELF file: function symbols as file offsets, and
// the return instructions inside a function. Plain C++ on libelf and capstone:
// it knows nothing of TLS, of BPF, nor of Node (addon.cc binds it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bpfloader {

struct FunctionSite {
	uint64_t offset = 0; // in the file: what a uprobe is attached at
	uint64_t size = 0;   // bytes of code (the symbol's size)
};

struct ElfSites {
	std::string machine;   // "x86_64", "aarch64" or "other"
	bool has_symtab = false; // .symtab present (Go binaries built with -s have none)
	bool is_go = false;      // a Go binary (.go.buildinfo or .gopclntab section)
	std::map<std::string, FunctionSite> functions; // of the names asked for, those defined here
};

// Looks the names up among the defined functions of .symtab and .dynsym.
// Throws std::runtime_error with a one-line message when the file is no ELF.
ElfSites FindFunctions(const std::string &path, const std::vector<std::string> &names);

// Offsets, from the function's start, of every return instruction in its code
// (capstone on x86_64; the one RET encoding on arm64). Throws on other machines.
std::vector<uint64_t> FindReturns(const std::string &path, const std::string &machine, const FunctionSite &site);

} // namespace bpfloader
