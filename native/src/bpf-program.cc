#include "bpf-program.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>
#include <fcntl.h>
#include <algorithm>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdexcept>
#include <unistd.h>

namespace bpfloader {

namespace {

// close_range(2) where the kernel has it (5.9+), else one close at a time; async-signal-safe either way.
void CloseRange(unsigned int first, unsigned int last) {
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	for (unsigned int fd = first; fd <= last && fd < 65536; fd++)
		close(static_cast<int>(fd));
}

std::mutex log_mutex;
std::string log_tail;

// libbpf's messages go to a small buffer: the terminal belongs to the UI.
int CaptureLibbpfPrint(enum libbpf_print_level level, const char *format, va_list args) {
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[1024];
	int n = vsnprintf(line, sizeof(line), format, args);
	std::lock_guard<std::mutex> lock(log_mutex);
	log_tail += line;
	if (log_tail.size() > 8192)
		log_tail.erase(0, log_tail.size() - 8192);
	return n;
}

std::string ErrnoText(int err) {
	if (err < 0)
		err = -err;
	return std::strerror(err);
}

[[noreturn]] void Fail(const std::string &what, int err) {
	std::string message = what + ": " + ErrnoText(err);
	std::string tail = LastLibbpfMessage();
	if (!tail.empty())
		message += " (libbpf: " + tail + ")";
	throw std::runtime_error(message);
}

// Sets a `const volatile` global in .rodata by name, through the object's BTF.
void SetRodata(bpf_object *object, const std::string &name, const std::vector<uint8_t> &value) {
	bpf_map *rodata = nullptr;
	bpf_map *map;
	bpf_object__for_each_map(map, object) {
		const char *map_name = bpf_map__name(map);
		if (map_name && std::strstr(map_name, ".rodata")) {
			rodata = map;
			break;
		}
	}
	if (!rodata)
		throw std::runtime_error("BPF object has no .rodata: cannot set " + name);
	btf *object_btf = bpf_object__btf(object);
	int sec_id = btf__find_by_name_kind(object_btf, ".rodata", BTF_KIND_DATASEC);
	if (sec_id < 0)
		throw std::runtime_error("BPF object has no .rodata BTF: cannot set " + name);
	const btf_type *sec = btf__type_by_id(object_btf, sec_id);
	const btf_var_secinfo *vars = btf_var_secinfos(sec);
	size_t data_size = 0;
	// libbpf 1.1 returns const, but the memory is the writable pre-load image (skeletons write it too)
	auto *data = static_cast<uint8_t *>(const_cast<void *>(bpf_map__initial_value(rodata, &data_size)));
	for (int i = 0; i < btf_vlen(sec); i++) {
		const btf_type *var = btf__type_by_id(object_btf, vars[i].type);
		if (name != btf__name_by_offset(object_btf, var->name_off))
			continue;
		if (value.size() != vars[i].size || vars[i].offset + vars[i].size > data_size)
			throw std::runtime_error("BPF global " + name + " is " + std::to_string(vars[i].size) +
						 " bytes, not " + std::to_string(value.size()));
		std::memcpy(data + vars[i].offset, value.data(), value.size());
		return;
	}
	throw std::runtime_error("BPF object has no global named " + name);
}

} // namespace

std::string LastLibbpfMessage() {
	std::lock_guard<std::mutex> lock(log_mutex);
	std::string tail = log_tail;
	while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' '))
		tail.pop_back();
	size_t start = tail.rfind('\n');
	return start == std::string::npos ? tail : tail.substr(start + 1);
}

BpfProgram::BpfProgram(const LoadOptions &options) {
	libbpf_set_print(CaptureLibbpfPrint);
	{
		std::lock_guard<std::mutex> lock(log_mutex);
		log_tail.clear();
	}
	object_ = bpf_object__open_file(options.object_path.c_str(), nullptr);
	int err = libbpf_get_error(object_);
	if (err) {
		object_ = nullptr;
		Fail("Failed to open BPF object " + options.object_path, err);
	}
	try {
		for (const auto &[name, value] : options.rodata)
			SetRodata(object_, name, value);
		for (const auto &[name, size] : options.map_sizes) {
			bpf_map *map = bpf_object__find_map_by_name(object_, name.c_str());
			if (!map)
				throw std::runtime_error("BPF object has no map named " + name);
			if (int e = bpf_map__set_max_entries(map, size))
				Fail("Failed to size BPF map " + name, e);
		}
		for (const auto &name : options.skip_maps) {
			bpf_map *map = bpf_object__find_map_by_name(object_, name.c_str());
			if (!map)
				throw std::runtime_error("BPF object has no map named " + name);
			if (int e = bpf_map__set_autocreate(map, false))
				Fail("Failed to leave BPF map " + name + " uncreated", e);
		}
		if (int e = bpf_object__load(object_))
			Fail("Failed to load BPF object " + options.object_path, e);
	} catch (...) {
		Close();
		throw;
	}
}

BpfProgram::~BpfProgram() { Close(); }

std::vector<std::string> BpfProgram::Attach() {
	std::vector<std::string> attached;
	bpf_program *program;
	bpf_object__for_each_program(program, object_) {
		// sections are "tracepoint/<category>/<name>"; uprobes wait for AttachUprobe
		std::string section = bpf_program__section_name(program);
		if (section.rfind("tracepoint/", 0) != 0)
			continue;
		std::string point = section.substr(section.find('/') + 1);
		std::string category = point.substr(0, point.find('/'));
		std::string name = point.substr(point.find('/') + 1);
		bpf_link *link = bpf_program__attach_tracepoint(program, category.c_str(), name.c_str());
		int err = libbpf_get_error(link);
		if (err) {
			int saved = errno;
			for (bpf_link *l : links_)
				bpf_link__destroy(l);
			links_.clear();
			Fail("Failed to attach tracepoint " + point, err ? err : saved);
		}
		links_.push_back(link);
		attached.push_back(point);
	}
	return attached;
}

int BpfProgram::AttachUprobe(const std::string &name, const std::string &path, uint64_t offset) {
	std::lock_guard<std::mutex> lock(uprobe_mutex_);
	if (!object_)
		throw std::runtime_error("The BPF program was closed");
	bpf_program *program = bpf_object__find_program_by_name(object_, name.c_str());
	if (!program)
		throw std::runtime_error("BPF object has no program named " + name);
	std::string section = bpf_program__section_name(program);
	bool retprobe = section.rfind("uretprobe", 0) == 0;
	if (!retprobe && section.rfind("uprobe", 0) != 0)
		throw std::runtime_error("BPF program " + name + " is not a uprobe");
	bpf_link *link = bpf_program__attach_uprobe(program, retprobe, -1, path.c_str(), offset);
	int err = libbpf_get_error(link);
	if (err)
		Fail("Failed to attach " + name + " to " + path + " at offset " + std::to_string(offset), err);
	int id = next_uprobe_id_++;
	uprobe_links_[id] = link;
	return id;
}

void BpfProgram::DetachUprobe(int id) {
	std::lock_guard<std::mutex> lock(uprobe_mutex_);
	auto found = uprobe_links_.find(id);
	if (found == uprobe_links_.end())
		return;
	bpf_link__destroy(found->second);
	uprobe_links_.erase(found);
}

void BpfProgram::UpdateMap(const std::string &name, const std::vector<uint8_t> &key,
			   const std::vector<uint8_t> &value) {
	bpf_map *map = bpf_object__find_map_by_name(object_, name.c_str());
	if (!map)
		throw std::runtime_error("BPF object has no map named " + name);
	if (key.size() != bpf_map__key_size(map) || value.size() != bpf_map__value_size(map))
		throw std::runtime_error("Wrong key or value size for BPF map " + name);
	if (bpf_map__update_elem(map, key.data(), key.size(), value.data(), value.size(), BPF_ANY))
		Fail("Failed to update BPF map " + name, errno);
}

std::vector<uint64_t> BpfProgram::SumPerCpuArray(const std::string &name) {
	bpf_map *map = bpf_object__find_map_by_name(object_, name.c_str());
	if (!map)
		throw std::runtime_error("BPF object has no map named " + name);
	int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		Fail("Failed to count CPUs", cpus);
	std::vector<uint64_t> per_cpu(cpus);
	std::vector<uint64_t> sums(bpf_map__max_entries(map));
	for (uint32_t i = 0; i < sums.size(); i++) {
		if (bpf_map__lookup_elem(map, &i, sizeof(i), per_cpu.data(), per_cpu.size() * sizeof(uint64_t), 0))
			continue;
		for (uint64_t v : per_cpu)
			sums[i] += v;
	}
	return sums;
}

int BpfProgram::OnRecord(void *ctx, void *data, size_t size) {
	auto *self = static_cast<BpfProgram *>(ctx);
	Batch &batch = *self->batch_;
	size_t at = batch.size();
	size_t padded = (4 + size + 7) & ~size_t(7);
	batch.resize(at + padded);
	uint32_t length = size;
	std::memcpy(batch.data() + at, &length, 4);
	std::memcpy(batch.data() + at + 4, data, size);
	self->batch_records_++;
	if (batch.size() >= self->max_batch_bytes_)
		self->Flush();
	return 0;
}

void BpfProgram::Flush() {
	if (batch_->empty())
		return;
	uint64_t records = batch_records_;
	uint64_t bytes = batch_->size();
	bool delivered = deliver_(std::move(batch_));
	batch_ = std::make_unique<Batch>();
	batch_->reserve(max_batch_bytes_ / 4);
	batch_records_ = 0;
	if (delivered) {
		batches_++;
		records_ += records;
		bytes_ += bytes;
	} else {
		dropped_batches_++;
		dropped_records_ += records;
	}
}

void BpfProgram::StartDraining(const std::string &ring_map, int interval_ms, size_t max_batch_bytes,
			       std::function<bool(std::unique_ptr<Batch>)> deliver) {
	if (thread_.joinable())
		throw std::runtime_error("The ring buffer is already being drained");
	bpf_map *map = bpf_object__find_map_by_name(object_, ring_map.c_str());
	if (!map)
		throw std::runtime_error("BPF object has no map named " + ring_map);
	ring_ = ring_buffer__new(bpf_map__fd(map), OnRecord, this, nullptr);
	if (!ring_)
		Fail("Failed to open ring buffer " + ring_map, errno);
	if (pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK))
		Fail("Failed to create a wake-up pipe", errno);
	deliver_ = std::move(deliver);
	max_batch_bytes_ = max_batch_bytes;
	batch_ = std::make_unique<Batch>();
	batch_->reserve(max_batch_bytes_ / 4);
	thread_ = std::thread([this, interval_ms] { DrainLoop(interval_ms); });
}

// Records are submitted without a wake-up (a wake-up per record costs more than the
// record), so the thread drains on a timer, and early when the kernel side asks.
void BpfProgram::DrainLoop(int interval_ms) {
	pollfd fds[2] = {{ring_buffer__epoll_fd(ring_), POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
	while (!stopping_.load()) {
		poll(fds, 2, interval_ms);
		if (stopping_.load())
			break;
		ring_buffer__consume(ring_);
		Flush();
	}
	ring_buffer__consume(ring_);
	Flush();
}

DrainStats BpfProgram::Stats() const {
	DrainStats s;
	s.batches = batches_;
	s.records = records_;
	s.bytes = bytes_;
	s.dropped_batches = dropped_batches_;
	s.dropped_records = dropped_records_;
	return s;
}

// Detaching waits in the kernel (for RCU grace periods): one link after the
// other, the 46 tracepoint links took 1.7 s at exit, and some 50 uprobe links
// took 10 s more. From one thread a link, the waits that can overlap do.
void BpfProgram::DestroyLinks() {
	std::vector<std::thread> detachers;
	for (bpf_link *link : links_)
		detachers.emplace_back([link] { bpf_link__destroy(link); });
	for (std::thread &detacher : detachers)
		detacher.join();
	links_.clear();
}

// A uprobe's unregistering waits for grace periods one after the other, even
// from many threads: some 50 of them take 4 s. They are disabled here at once,
// and a forked child that holds them too lets go of them after this process
// has: the waiting happens in its exit, not in httptop's.
// Called with uprobe_mutex_ held.
void BpfProgram::DestroyUprobeLinks() {
	if (uprobe_links_.empty())
		return;
	int gate[2] = {-1, -1};
	if (pipe(gate) == 0) {
		// What the reaper keeps: the links and its end of the gate. Everything else it closes, so that
		// it holds no pipe or socket of this process (a child's stdin, a test runner's channel) open.
		std::vector<int> keep = {gate[0]};
		for (auto &[id, link] : uprobe_links_)
			keep.push_back(bpf_link__fd(link));
		std::sort(keep.begin(), keep.end());
		pid_t reaper = fork();
		if (reaper == 0) {
			// Only async-signal-safe calls: this is a copy of a threaded process. Its own child does
			// the waiting, adopted by init, so that nobody has to reap it.
			if (fork() != 0)
				_exit(0);
			unsigned int from = 0;
			for (int fd : keep) {
				if (fd < 0)
					continue;
				if (static_cast<unsigned int>(fd) > from)
					CloseRange(from, static_cast<unsigned int>(fd) - 1);
				from = static_cast<unsigned int>(fd) + 1;
			}
			CloseRange(from, ~0U);
			char byte;
			while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {
			}
			_exit(0);
		}
		close(gate[0]);
		if (reaper > 0)
			waitpid(reaper, nullptr, 0);
	}
	for (auto &[id, link] : uprobe_links_)
		bpf_link__destroy(link); // disables, then closes (the slow part falls to the reaper when there is one)
	uprobe_links_.clear();
	if (gate[1] >= 0)
		close(gate[1]);
}

void BpfProgram::Close() {
	if (thread_.joinable()) {
		stopping_.store(true);
		char byte = 1;
		ssize_t ignored = write(wake_fds_[1], &byte, 1);
		(void)ignored;
		thread_.join();
	}
	for (int &fd : wake_fds_) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	DestroyLinks();
	// An attach under way on another thread finishes first; none starts after.
	std::lock_guard<std::mutex> lock(uprobe_mutex_);
	DestroyUprobeLinks();
	if (ring_) {
		ring_buffer__free(ring_);
		ring_ = nullptr;
	}
	if (object_) {
		bpf_object__close(object_);
		object_ = nullptr;
	}
}

} // namespace bpfloader
