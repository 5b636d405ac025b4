// A loaded BPF object and the thread that drains its ring buffer. Plain C++ on
// top of libbpf: it knows nothing of HTTP, nor of Node (addon.cc binds it).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct bpf_object;
struct bpf_link;
struct ring_buffer;

namespace bpfloader {

// A batch of ring buffer records, each as [u32 length][record][padding to 8 bytes].
using Batch = std::vector<uint8_t>;

struct LoadOptions {
	std::string object_path;
	// Values for `const volatile` globals (.rodata), by name, as raw little-endian bytes.
	std::map<std::string, std::vector<uint8_t>> rodata;
	// max_entries overrides, by map name (e.g. the ring buffer's size in bytes).
	std::map<std::string, uint32_t> map_sizes;
	// Maps not to create (a map type this kernel lacks, used only by code the loader made dead).
	std::vector<std::string> skip_maps;
};

struct DrainStats {
	uint64_t batches = 0;
	uint64_t records = 0;
	uint64_t bytes = 0;
	uint64_t dropped_batches = 0; // batches JS could not take (queue full)
	uint64_t dropped_records = 0;
};

class BpfProgram {
public:
	// Opens and loads the object; throws std::runtime_error with a one-line message.
	explicit BpfProgram(const LoadOptions &options);
	~BpfProgram();
	BpfProgram(const BpfProgram &) = delete;
	BpfProgram &operator=(const BpfProgram &) = delete;

	// Attaches every tracepoint program to the tracepoint its section names; returns "category/name" of each.
	// Uprobe programs are attached one site at a time with AttachUprobe.
	std::vector<std::string> Attach();

	// Attaches the named uprobe program at `offset` in the file at `path`, for every process that maps it
	// (a uretprobe when the program's section says so). Returns an id for DetachUprobe. Slow (the kernel
	// waits for a grace period per uprobe) and safe to call from any thread, also against Close.
	int AttachUprobe(const std::string &program, const std::string &path, uint64_t offset);

	// Detaches one AttachUprobe; an unknown id is ignored.
	void DetachUprobe(int id);

	void UpdateMap(const std::string &map, const std::vector<uint8_t> &key, const std::vector<uint8_t> &value);

	// Sums a per-CPU array of u64 over CPUs, one value per index.
	std::vector<uint64_t> SumPerCpuArray(const std::string &map);

	// Starts the drain thread. `deliver` runs on that thread and returns false when the batch
	// could not be queued (then it counts as dropped).
	void StartDraining(const std::string &ring_map, int interval_ms, size_t max_batch_bytes,
			   std::function<bool(std::unique_ptr<Batch>)> deliver);

	DrainStats Stats() const;

	// Stops the thread, detaches and frees everything. Safe to call twice.
	void Close();

private:
	void DestroyLinks();
	void DestroyUprobeLinks();
	void DrainLoop(int interval_ms);
	static int OnRecord(void *ctx, void *data, size_t size);
	void Flush();

	bpf_object *object_ = nullptr;
	std::vector<bpf_link *> links_;
	std::mutex uprobe_mutex_; // uprobe_links_, and the object against a Close from another thread
	std::map<int, bpf_link *> uprobe_links_;
	int next_uprobe_id_ = 1;
	ring_buffer *ring_ = nullptr;
	int wake_fds_[2] = {-1, -1};
	std::thread thread_;
	std::atomic<bool> stopping_{false};
	std::function<bool(std::unique_ptr<Batch>)> deliver_;
	std::unique_ptr<Batch> batch_;
	size_t max_batch_bytes_ = 0;
	uint64_t batch_records_ = 0;
	std::atomic<uint64_t> batches_{0}, records_{0}, bytes_{0}, dropped_batches_{0}, dropped_records_{0};
};

// The last messages libbpf printed (it is told to print here, not to stderr).
std::string LastLibbpfMessage();

} // namespace bpfloader
