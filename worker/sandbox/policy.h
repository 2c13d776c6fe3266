// What an engine process may do: the confinement `mfgate-sandbox` applies
// before it executes the engine.
//
// A policy is plain data. The worker builds one (engine_policy.h), turns it
// into the launcher's arguments with ToArgs, and the launcher reads it back
// with ParsePolicyArgs, so both sides share one spelling of every field.
// Thread-safety: a value type; no shared state.
#ifndef MFGATE_WORKER_SANDBOX_POLICY_H_
#define MFGATE_WORKER_SANDBOX_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mfgate::sandbox {

// Which network the engine may reach.
enum class Network {
  kNone,  // No sockets but unix ones, no TCP at all (local-file warehouses).
  kTcp,   // Inet sockets; TCP connect only to `tcp_connect_ports`.
};

// How the file system is confined.
enum class FileSystem {
  kAuto,    // Landlock where the kernel has it, else a mount namespace.
  kMounts,  // A mount namespace even where Landlock exists.
};

struct Limits {
  uint64_t address_space_bytes = 16ull << 30;
  // Total CPU time of the engine's life: a runaway guard, not a per-query one
  // (per-query deadlines kill the engine sooner).
  uint64_t cpu_seconds = 7 * 24 * 3600;
  uint64_t open_files = 1024;
  uint64_t file_size_bytes = 64ull << 30;
  uint64_t processes = 512;  // Of the engine's user, threads included.
};

struct Policy {
  std::vector<std::string> read_paths;  // Read files, list directories.
  // Directories whose entries may be listed, but nothing beneath them read
  // unless another path grants it (HidePath's doing).
  std::vector<std::string> list_paths;
  std::vector<std::string> write_paths;  // Read, create, change, remove.
  std::vector<std::string> exec_paths;   // Read and execute.
  Network network = Network::kNone;
  std::vector<uint16_t> tcp_connect_ports;  // With Network::kTcp.
  Limits limits;
  FileSystem file_system = FileSystem::kAuto;
  // Fail instead of running without file-system confinement when the kernel
  // has no Landlock and no mount namespace can be made.
  bool require_landlock = false;
};

// Makes `hidden` (a resolved path) unreadable under `policy` even where a
// read path contains it: each such read path becomes a list path plus read
// paths for its entries, except the one that is or leads to `hidden`, which
// is split the same way. Entries are taken from the file system as it is
// now. Write and exec paths are left alone (the caller keeps `hidden` out of
// them).
void HidePath(Policy* policy, const std::string& hidden);

// The launcher's arguments for `policy` (without the program and "--").
std::vector<std::string> ToArgs(const Policy& policy);

// Parses ToArgs' output. `args` ends at "--" (exclusive). Errors name the
// offending argument.
absl::StatusOr<Policy> ParsePolicyArgs(const std::vector<std::string>& args);

}  // namespace mfgate::sandbox

#endif  // MFGATE_WORKER_SANDBOX_POLICY_H_
