// The Node binding of BpfProgram: converts arguments and results, turns C++
// errors into JS errors with a plain message, and hands ring buffer batches to
// JS through one thread-safe function as (err, batch) calls.
#include <napi.h>

#include "bpf-program.h"
#include "probe-sites.h"

namespace {

using bpfloader::Batch;
using bpfloader::BpfProgram;

std::vector<uint8_t> BytesOf(const Napi::Value &value, const std::string &what) {
	if (!value.IsBuffer())
		throw Napi::TypeError::New(value.Env(), what + " must be a Buffer");
	auto buffer = value.As<Napi::Buffer<uint8_t>>();
	return std::vector<uint8_t>(buffer.Data(), buffer.Data() + buffer.Length());
}

struct UprobeSite {
	std::string program;
	std::string path;
	uint64_t offset;
};

// Attaches a batch of uprobes off the JS thread.
class AttachWorker : public Napi::AsyncWorker {
public:
	AttachWorker(Napi::Env env, std::shared_ptr<BpfProgram> program, std::vector<UprobeSite> sites)
		: Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), program_(std::move(program)),
		  sites_(std::move(sites)) {}

	Napi::Promise Promise() { return deferred_.Promise(); }

	void Execute() override {
		try {
			for (const auto &site : sites_)
				ids_.push_back(program_->AttachUprobe(site.program, site.path, site.offset));
		} catch (const std::exception &e) {
			for (int id : ids_)
				program_->DetachUprobe(id);
			ids_.clear();
			SetError(e.what());
		}
	}

	void OnOK() override {
		Napi::Env env = Env();
		auto result = Napi::Array::New(env, ids_.size());
		for (size_t i = 0; i < ids_.size(); i++)
			result.Set(i, ids_[i]);
		deferred_.Resolve(result);
	}

	void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

private:
	Napi::Promise::Deferred deferred_;
	std::shared_ptr<BpfProgram> program_;
	std::vector<UprobeSite> sites_;
	std::vector<int> ids_;
};

class Program : public Napi::ObjectWrap<Program> {
public:
	static Napi::Function Define(Napi::Env env) {
		return DefineClass(env, "BpfProgram",
				   {
					   InstanceMethod("attach", &Program::Attach),
					   InstanceMethod("attachUprobes", &Program::AttachUprobes),
					   InstanceMethod("detachUprobe", &Program::DetachUprobe),
					   InstanceMethod("updateMap", &Program::UpdateMap),
					   InstanceMethod("sumPerCpuArray", &Program::SumPerCpuArray),
					   InstanceMethod("start", &Program::Start),
					   InstanceMethod("stats", &Program::Stats),
					   InstanceMethod("close", &Program::Close),
				   });
	}

	// new BpfProgram({objectPath, rodata?: {name: Buffer}, mapSizes?: {name: number}, skipMaps?: [name]})
	explicit Program(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Program>(info) {
		Napi::Env env = info.Env();
		if (!info[0].IsObject())
			throw Napi::TypeError::New(env, "BpfProgram needs an options object");
		auto options = info[0].As<Napi::Object>();
		bpfloader::LoadOptions load;
		if (!options.Get("objectPath").IsString())
			throw Napi::TypeError::New(env, "objectPath must be a string");
		load.object_path = options.Get("objectPath").As<Napi::String>();
		if (options.Get("rodata").IsObject()) {
			auto rodata = options.Get("rodata").As<Napi::Object>();
			auto names = rodata.GetPropertyNames();
			for (uint32_t i = 0; i < names.Length(); i++) {
				std::string name = names.Get(i).As<Napi::String>();
				load.rodata[name] = BytesOf(rodata.Get(name), "rodata." + name);
			}
		}
		if (options.Get("mapSizes").IsObject()) {
			auto sizes = options.Get("mapSizes").As<Napi::Object>();
			auto names = sizes.GetPropertyNames();
			for (uint32_t i = 0; i < names.Length(); i++) {
				std::string name = names.Get(i).As<Napi::String>();
				if (!sizes.Get(name).IsNumber())
					throw Napi::TypeError::New(env, "mapSizes." + name + " must be a number");
				load.map_sizes[name] = sizes.Get(name).As<Napi::Number>().Uint32Value();
			}
		}
		if (options.Get("skipMaps").IsArray()) {
			auto names = options.Get("skipMaps").As<Napi::Array>();
			for (uint32_t i = 0; i < names.Length(); i++) {
				if (!names.Get(i).IsString())
					throw Napi::TypeError::New(env, "skipMaps must hold map names");
				load.skip_maps.push_back(names.Get(i).As<Napi::String>());
			}
		}
		try {
			program_ = std::make_shared<BpfProgram>(load);
		} catch (const std::exception &e) {
			throw Napi::Error::New(env, e.what());
		}
	}

	~Program() override { Shutdown(); }

private:
	BpfProgram &Loaded(Napi::Env env) {
		if (!program_)
			throw Napi::Error::New(env, "The BPF program was closed");
		return *program_;
	}

	Napi::Value Attach(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		std::vector<std::string> points;
		try {
			points = Loaded(env).Attach();
		} catch (const std::exception &e) {
			throw Napi::Error::New(env, e.what());
		}
		auto result = Napi::Array::New(env, points.size());
		for (size_t i = 0; i < points.size(); i++)
			result.Set(i, points[i]);
		return result;
	}

	// attachUprobes([{program, path, offset}]): Promise<number[]>, attached on a worker thread (each attach
	// waits in the kernel); on a failure the batch's attached ones are detached and the promise rejects.
	Napi::Value AttachUprobes(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		if (!info[0].IsArray())
			throw Napi::TypeError::New(env, "attachUprobes([{program, path, offset}])");
		Loaded(env);
		auto list = info[0].As<Napi::Array>();
		std::vector<UprobeSite> sites;
		for (uint32_t i = 0; i < list.Length(); i++) {
			if (!list.Get(i).IsObject())
				throw Napi::TypeError::New(env, "attachUprobes: each site is {program, path, offset}");
			auto site = list.Get(i).As<Napi::Object>();
			if (!site.Get("program").IsString() || !site.Get("path").IsString() || !site.Get("offset").IsNumber())
				throw Napi::TypeError::New(env, "attachUprobes: each site is {program, path, offset}");
			sites.push_back({site.Get("program").As<Napi::String>(), site.Get("path").As<Napi::String>(),
					 static_cast<uint64_t>(site.Get("offset").As<Napi::Number>().Int64Value())});
		}
		auto *worker = new AttachWorker(env, program_, std::move(sites));
		auto promise = worker->Promise();
		worker->Queue();
		return promise;
	}

	// detachUprobe(id)
	Napi::Value DetachUprobe(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		if (!info[0].IsNumber())
			throw Napi::TypeError::New(env, "detachUprobe(id)");
		Loaded(env).DetachUprobe(info[0].As<Napi::Number>().Int32Value());
		return env.Undefined();
	}

	// updateMap(name, key: Buffer, value: Buffer)
	Napi::Value UpdateMap(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		if (!info[0].IsString())
			throw Napi::TypeError::New(env, "map name must be a string");
		auto key = BytesOf(info[1], "key");
		auto value = BytesOf(info[2], "value");
		try {
			Loaded(env).UpdateMap(info[0].As<Napi::String>(), key, value);
		} catch (const std::exception &e) {
			throw Napi::Error::New(env, e.what());
		}
		return env.Undefined();
	}

	// sumPerCpuArray(name): number[] (u64 sums as doubles: exact below 2^53)
	Napi::Value SumPerCpuArray(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		if (!info[0].IsString())
			throw Napi::TypeError::New(env, "map name must be a string");
		std::vector<uint64_t> sums;
		try {
			sums = Loaded(env).SumPerCpuArray(info[0].As<Napi::String>());
		} catch (const std::exception &e) {
			throw Napi::Error::New(env, e.what());
		}
		auto result = Napi::Array::New(env, sums.size());
		for (size_t i = 0; i < sums.size(); i++)
			result.Set(i, Napi::Number::New(env, static_cast<double>(sums[i])));
		return result;
	}

	// start(ringMap, {intervalMs, maxBatchBytes, maxQueuedBatches}, onBatch(err, batch))
	Napi::Value Start(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		if (!info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction())
			throw Napi::TypeError::New(env, "start(ringMap, options, onBatch)");
		auto options = info[1].As<Napi::Object>();
		auto number = [&](const char *name, double fallback) {
			auto v = options.Get(name);
			return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
		};
		int interval_ms = static_cast<int>(number("intervalMs", 10));
		size_t max_batch_bytes = static_cast<size_t>(number("maxBatchBytes", 4 << 20));
		size_t max_queued = static_cast<size_t>(number("maxQueuedBatches", 256));
		if (tsfn_)
			throw Napi::Error::New(env, "The ring buffer is already being drained");
		tsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "httptop-ring-drain",
						      max_queued, 1);
		auto deliver = [this](std::unique_ptr<Batch> batch) {
			Batch *raw = batch.release();
			napi_status status = tsfn_.NonBlockingCall(raw, [](Napi::Env env, Napi::Function callback,
									   Batch *data) {
				if (!env) { // the environment is going away
					delete data;
					return;
				}
				auto buffer = Napi::Buffer<uint8_t>::New(
					env, data->data(), data->size(),
					[](Napi::Env, uint8_t *, Batch *owned) { delete owned; }, data);
				callback.Call({env.Null(), buffer});
			});
			if (status != napi_ok) {
				delete raw;
				return false;
			}
			return true;
		};
		try {
			Loaded(env).StartDraining(info[0].As<Napi::String>(), interval_ms, max_batch_bytes, deliver);
		} catch (const std::exception &e) {
			tsfn_.Release();
			tsfn_ = Napi::ThreadSafeFunction();
			throw Napi::Error::New(env, e.what());
		}
		return env.Undefined();
	}

	Napi::Value Stats(const Napi::CallbackInfo &info) {
		Napi::Env env = info.Env();
		auto stats = Loaded(env).Stats();
		auto result = Napi::Object::New(env);
		result.Set("batches", static_cast<double>(stats.batches));
		result.Set("records", static_cast<double>(stats.records));
		result.Set("bytes", static_cast<double>(stats.bytes));
		result.Set("droppedBatches", static_cast<double>(stats.dropped_batches));
		result.Set("droppedRecords", static_cast<double>(stats.dropped_records));
		return result;
	}

	Napi::Value Close(const Napi::CallbackInfo &info) {
		Shutdown();
		return info.Env().Undefined();
	}

	// Stops the drain thread and detaches every program; safe to call twice.
	void Shutdown() {
		if (program_) {
			program_->Close();
			program_.reset();
		}
		if (tsfn_) {
			tsfn_.Release();
			tsfn_ = Napi::ThreadSafeFunction();
		}
	}

	std::shared_ptr<BpfProgram> program_; // shared with the attach workers, which may outlive a close
	Napi::ThreadSafeFunction tsfn_;
};

// findFunctions(path, names): {machine, hasSymtab, isGo, functions: {name: {offset, size}}}
Napi::Value FindFunctions(const Napi::CallbackInfo &info) {
	Napi::Env env = info.Env();
	if (!info[0].IsString() || !info[1].IsArray())
		throw Napi::TypeError::New(env, "findFunctions(path, names)");
	std::vector<std::string> names;
	auto list = info[1].As<Napi::Array>();
	for (uint32_t i = 0; i < list.Length(); i++) {
		if (!list.Get(i).IsString())
			throw Napi::TypeError::New(env, "findFunctions: names must be strings");
		names.push_back(list.Get(i).As<Napi::String>());
	}
	bpfloader::ElfSites sites;
	try {
		sites = bpfloader::FindFunctions(info[0].As<Napi::String>(), names);
	} catch (const std::exception &e) {
		throw Napi::Error::New(env, e.what());
	}
	auto result = Napi::Object::New(env);
	result.Set("machine", sites.machine);
	result.Set("hasSymtab", sites.has_symtab);
	result.Set("isGo", sites.is_go);
	auto functions = Napi::Object::New(env);
	for (const auto &[name, site] : sites.functions) {
		auto entry = Napi::Object::New(env);
		entry.Set("offset", static_cast<double>(site.offset));
		entry.Set("size", static_cast<double>(site.size));
		functions.Set(name, entry);
	}
	result.Set("functions", functions);
	return result;
}

// findReturns(path, machine, offset, size): offsets of the function's return instructions from its start
Napi::Value FindReturns(const Napi::CallbackInfo &info) {
	Napi::Env env = info.Env();
	if (!info[0].IsString() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber())
		throw Napi::TypeError::New(env, "findReturns(path, machine, offset, size)");
	bpfloader::FunctionSite site;
	site.offset = static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value());
	site.size = static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value());
	std::vector<uint64_t> returns;
	try {
		returns = bpfloader::FindReturns(info[0].As<Napi::String>(), info[1].As<Napi::String>(), site);
	} catch (const std::exception &e) {
		throw Napi::Error::New(env, e.what());
	}
	auto result = Napi::Array::New(env, returns.size());
	for (size_t i = 0; i < returns.size(); i++)
		result.Set(i, static_cast<double>(returns[i]));
	return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
	exports.Set("BpfProgram", Program::Define(env));
	exports.Set("findFunctions", Napi::Function::New(env, FindFunctions));
	exports.Set("findReturns", Napi::Function::New(env, FindReturns));
	return exports;
}

} // namespace

NODE_API_MODULE(bpf_loader_native, Init)
