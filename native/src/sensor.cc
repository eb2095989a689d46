#include "sensor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "errors.h"
#include "rodata.h"

namespace {

using bpfaudit::StepError;

// Maps every probe object declares; the first loaded object creates them and
// the others reuse its descriptors, so all probes share one of each.
const char* const kSharedMaps[] = {"events", "counters", "runtime", "filter_rules", "folds"};

// Returned by OnRecord to end one poll early when the batch is full.
constexpr int kBatchFull = -ENOBUFS;

// The kernel's internal ENOTSUPP, which the bpf syscall can return; not in libc's headers.
constexpr int kENOTSUPP = 524;

struct Payload {
  Sensor* owner;
  std::vector<uint8_t>* batch;
  bool done;
  std::string error;
  int err;
};

bool HasTracefs() {
  return access("/sys/kernel/tracing/events", F_OK) == 0 ||
         access("/sys/kernel/debug/tracing/events", F_OK) == 0;
}

bool NeedsTracefs(bpf_program* prog) {
  const char* sec = bpf_program__section_name(prog);
  return strncmp(sec, "tp/", 3) == 0 || strncmp(sec, "tracepoint/", 11) == 0;
}

}  // namespace

Napi::Function Sensor::Init(Napi::Env env) {
  return DefineClass(env, "Sensor",
                     {
                         InstanceMethod("attachments", &Sensor::Attachments),
                         InstanceMethod("start", &Sensor::Start),
                         InstanceMethod("release", &Sensor::Release),
                         InstanceMethod("stop", &Sensor::Stop),
                         InstanceMethod("counters", &Sensor::Counters),
                         InstanceMethod("lookup", &Sensor::Lookup),
                         InstanceMethod("update", &Sensor::Update),
                         InstanceMethod("programFd", &Sensor::ProgramFd),
                         InstanceMethod("takeWindow", &Sensor::TakeWindow),
                         InstanceMethod("close", &Sensor::Close),
                     });
}

Sensor::Sensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sensor>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "Sensor(options): options object required");
  }
  try {
    Open(env, info[0].As<Napi::Object>());
  } catch (...) {
    Teardown();
    throw;
  }
  // only now: a constructor that throws runs no destructor, and a hook left behind would run on freed memory at exit
  napi_add_env_cleanup_hook(env, CleanupHook, this);
}

Sensor::~Sensor() {
  napi_remove_env_cleanup_hook(Env(), CleanupHook, this);
  CleanupHook(this);
}

void Sensor::CleanupHook(void* arg) {
  auto* self = static_cast<Sensor*>(arg);
  self->Detach();
  self->stopping_ = true;
  self->cv_.notify_all();
  if (self->thread_.joinable()) self->thread_.join();
  self->Teardown();
}

void Sensor::Open(Napi::Env env, const Napi::Object& options) {
  Napi::Array objects = options.Get("objects").As<Napi::Array>();
  uint32_t ring_bytes = options.Get("ringBufferBytes").As<Napi::Number>().Uint32Value();
  bool best_effort = options.Has("bestEffort") && options.Get("bestEffort").ToBoolean();
  std::vector<std::pair<std::string, bpf_program*>> to_attach;

  for (uint32_t i = 0; i < objects.Length(); i++) {
    Napi::Object spec = objects.Get(i).As<Napi::Object>();
    std::string path = spec.Get("path").As<Napi::String>();
    std::string label = spec.Get("name").As<Napi::String>();
    Napi::Array wanted = spec.Get("programs").As<Napi::Array>();
    Napi::Array held = spec.Has("loadOnly") ? spec.Get("loadOnly").As<Napi::Array>() : Napi::Array::New(env);

    bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj) throw StepError(env, "open BPF object " + path, errno);
    objects_.push_back(obj);

    std::vector<bpf_program*> enabled;
    size_t loaded = 0;
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
      bool on = false, hold = false;
      for (uint32_t j = 0; j < wanted.Length(); j++) {
        if (std::string(wanted.Get(j).As<Napi::String>()) == bpf_program__name(prog)) on = true;
      }
      for (uint32_t j = 0; j < held.Length(); j++) {
        if (std::string(held.Get(j).As<Napi::String>()) == bpf_program__name(prog)) hold = true;
      }
      bpf_program__set_autoload(prog, on || hold);
      if (on) enabled.push_back(prog);
      if (hold) held_.push_back(prog);
      loaded += on || hold;
    }
    if (loaded != wanted.Length() + held.Length()) {
      throw StepError(env, "select programs of " + label, ENOENT,
                      "a requested program is not in " + path);
    }

    if (spec.Has("rodata")) {
      Napi::Object knobs = spec.Get("rodata").As<Napi::Object>();
      Napi::Array names = knobs.GetPropertyNames();
      for (uint32_t j = 0; j < names.Length(); j++) {
        std::string name = names.Get(j).As<Napi::String>();
        Napi::Value v = knobs.Get(name);
        uint64_t value = v.IsBoolean() ? (v.ToBoolean() ? 1 : 0)
                                       : static_cast<uint64_t>(v.ToNumber().Int64Value());
        std::string why;
        int err = bpfaudit::SetRodata(obj, name, value, &why);
        if (err) throw StepError(env, "set knob " + name + " of " + label, err, why);
      }
    }

    if (spec.Has("maxEntries")) {
      Napi::Object sizes = spec.Get("maxEntries").As<Napi::Object>();
      Napi::Array names = sizes.GetPropertyNames();
      for (uint32_t j = 0; j < names.Length(); j++) {
        std::string name = names.Get(j).As<Napi::String>();
        bpf_map* map = bpf_object__find_map_by_name(obj, name.c_str());
        if (!map) throw StepError(env, "size map " + name + " of " + label, ENOENT);
        int err = bpf_map__set_max_entries(map, sizes.Get(name).As<Napi::Number>().Uint32Value());
        if (err) throw StepError(env, "size map " + name + " of " + label, err);
      }
    }

    for (const char* shared : kSharedMaps) {
      bpf_map* map = bpf_object__find_map_by_name(obj, shared);
      if (!map) throw StepError(env, std::string("find map ") + shared + " in " + label, ENOENT);
      auto known = shared_fds_.find(shared);
      if (known != shared_fds_.end()) {
        int err = bpf_map__reuse_fd(map, known->second);
        if (err) throw StepError(env, std::string("share map ") + shared + " with " + label, err);
      } else if (strcmp(shared, "events") == 0) {
        int err = bpf_map__set_max_entries(map, ring_bytes);
        if (err) throw StepError(env, "size ring buffer to " + std::to_string(ring_bytes), err);
      }
    }

    int err = bpf_object__load(obj);
    if (err) {
      if (!best_effort) throw StepError(env, "load BPF object " + label, err, bpfaudit::TakeLibbpfLog());
      for (bpf_program* p : enabled) {
        attachments_.push_back({label, bpf_program__name(p), bpf_program__section_name(p), false,
                                "load BPF object " + label, -err, bpfaudit::TakeLibbpfLog()});
      }
      continue;
    }
    for (const char* shared : kSharedMaps) {
      if (!shared_fds_.count(shared)) shared_fds_[shared] = bpf_map__fd(bpf_object__find_map_by_name(obj, shared));
    }
    events_fd_ = shared_fds_["events"];
    counters_fd_ = shared_fds_["counters"];
    for (bpf_program* p : enabled) to_attach.emplace_back(label, p);
  }

  // Settings the programs read (filters, fold windows) are in place before the first event.
  if (options.Has("mapValues")) {
    Napi::Array values = options.Get("mapValues").As<Napi::Array>();
    for (uint32_t i = 0; i < values.Length(); i++) {
      Napi::Object v = values.Get(i).As<Napi::Object>();
      UpdateMap(env, v.Get("map").As<Napi::String>(), v.Get("key").As<Napi::Buffer<uint8_t>>(),
                v.Get("value").As<Napi::Buffer<uint8_t>>());
    }
  }

  std::string cgroup_path = options.Has("cgroupPath") ? options.Get("cgroupPath").As<Napi::String>().Utf8Value() : "";
  int cgroup_fd = -1;
  // the links keep the cgroup attached; the descriptor is only needed to make them
  struct CloseFd {
    int& fd;
    ~CloseFd() {
      if (fd >= 0) close(fd);
    }
  } close_cgroup{cgroup_fd};
  for (auto& [label, p] : to_attach) {
    {
      std::string step = std::string("attach ") + bpf_program__section_name(p) + " (" +
                         bpf_program__name(p) + ")";
      if (NeedsTracefs(p) && !HasTracefs()) {
        if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
          int e = errno;
          if (!best_effort) throw StepError(env, "mount tracefs at /sys/kernel/tracing", e);
          attachments_.push_back({label, bpf_program__name(p), bpf_program__section_name(p), false,
                                  "mount tracefs at /sys/kernel/tracing", e, strerror(e)});
          continue;
        }
      }
      // socket-address hooks attach to a cgroup: the root of the v2 tree, so they see every process
      bool cgroup = bpf_program__type(p) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
      if (cgroup && cgroup_fd < 0) {
        cgroup_fd = open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd < 0) {
          int e = errno;
          if (!best_effort) throw StepError(env, "open the cgroup v2 root " + cgroup_path, e);
          attachments_.push_back({label, bpf_program__name(p), bpf_program__section_name(p), false,
                                  "open the cgroup v2 root " + cgroup_path, e, strerror(e)});
          continue;
        }
      }
      bpf_link* link = cgroup ? bpf_program__attach_cgroup(p, cgroup_fd) : bpf_program__attach(p);
      if (!link) {
        int e = errno;
        if (!best_effort) throw StepError(env, step, e);
        attachments_.push_back({label, bpf_program__name(p), bpf_program__section_name(p), false,
                                step, e, bpfaudit::TakeLibbpfLog()});
        continue;
      }
      links_.push_back(link);
      attachments_.push_back({label, bpf_program__name(p), bpf_program__section_name(p), true, "", 0, ""});
    }
  }
  if (events_fd_ < 0) {
    if (best_effort) return;
    throw StepError(env, "load any BPF object", ENOENT, "no probe is enabled");
  }
  ring_ = ring_buffer__new(events_fd_, OnRecord, this, nullptr);
  if (!ring_) throw StepError(env, "open ring buffer reader", errno);
}

Napi::Value Sensor::Attachments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, attachments_.size());
  for (size_t i = 0; i < attachments_.size(); i++) {
    const Attachment& a = attachments_[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("object", a.object);
    o.Set("program", a.program);
    o.Set("section", a.section);
    o.Set("ok", a.ok);
    if (!a.ok) {
      o.Set("step", a.step);
      o.Set("errno", a.err);
      o.Set("code", bpfaudit::ErrnoName(a.err));
      o.Set("message", a.message.empty() ? std::string(strerror(a.err)) : a.message);
    }
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

int Sensor::OnRecord(void* ctx, void* data, size_t len) {
  auto* self = static_cast<Sensor*>(ctx);
  std::vector<uint8_t>& b = *self->batch_;
  // framing: u32 length, u32 zero, record, zero padding to 8 bytes
  size_t at = b.size();
  size_t padded = (len + 7) & ~size_t(7);
  b.resize(at + 8 + padded, 0);
  uint32_t l = static_cast<uint32_t>(len);
  memcpy(b.data() + at, &l, 4);
  memcpy(b.data() + at + 8, data, len);
  return b.size() >= self->max_batch_bytes_ ? kBatchFull : 0;
}

Napi::Value Sensor::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (started_ || closed_) throw StepError(env, "start draining", EALREADY);
  if (!ring_) throw StepError(env, "start draining", ENOENT, "no ring buffer is open");
  Napi::Object opts = info[1].As<Napi::Object>();
  max_batch_bytes_ = opts.Get("maxBatchBytes").As<Napi::Number>().Uint32Value();
  max_inflight_ = opts.Get("maxInflight").As<Napi::Number>().Int32Value();
  poll_ms_ = opts.Get("pollMs").As<Napi::Number>().Int32Value();
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "bpfaudit-drain", 0, 1);
  batch_ = SpareBatch();
  started_ = true;
  thread_ = std::thread([this] { Drain(); });
  return env.Undefined();
}

/*
 * A batch's buffer goes back to the drain thread as soon as JS has its own
 * copy. Handed over as an external buffer, each 1 MiB reservation lived until
 * a garbage collection ran its finalizer, outside what V8 counts, in the
 * drain thread's malloc arena: 30 MB resident at full rate. The copy costs
 * ~0.03 us per record.
 */
std::vector<uint8_t>* Sensor::SpareBatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!spare_.empty()) {
      std::vector<uint8_t>* b = spare_.back();
      spare_.pop_back();
      return b;
    }
  }
  auto* b = new std::vector<uint8_t>();
  b->reserve(BatchCapacity());
  return b;
}

void Sensor::Recycle(std::vector<uint8_t>* batch) {
  batch->clear();
  std::lock_guard<std::mutex> lock(mu_);
  spare_.push_back(batch);
}

/*
 * Every batch is copied into one ArrayBuffer that JS keeps: the handler reads
 * a batch to its end before it returns, and the next batch comes on the same
 * thread after that. A new 1 MiB buffer per batch outlived the scavenges of
 * its own decoding, was promoted, and the dead ones piled up in the old
 * generation until a full collection: 33-36 MiB of array buffers at the
 * cache-off peak.
 */
Napi::Value Sensor::BatchView(Napi::Env env, const std::vector<uint8_t>& batch) {
  if (js_batch_.IsEmpty() || js_batch_.Value().ByteLength() < batch.size()) {
    js_batch_ = Napi::Persistent(Napi::ArrayBuffer::New(env, std::max(batch.size(), BatchCapacity())));
  }
  Napi::ArrayBuffer ab = js_batch_.Value();
  if (!batch.empty()) memcpy(ab.Data(), batch.data(), batch.size());
  return Napi::Uint8Array::New(env, batch.size(), ab, 0);
}

void Sensor::Deliver(bool done) {
  auto* p = new Payload{this, batch_, done, "", 0};
  batch_ = SpareBatch();
  {
    std::lock_guard<std::mutex> lock(mu_);
    inflight_++;
  }
  napi_status st = tsfn_.BlockingCall(p, [](Napi::Env env, Napi::Function cb, Payload* p) {
    if (env == nullptr) {
      delete p->batch;
      delete p;
      return;
    }
    Napi::Value view = p->owner->BatchView(env, *p->batch);
    p->owner->Recycle(p->batch);
    cb.Call({env.Null(), view, Napi::Boolean::New(env, p->done)});
    delete p;
  });
  if (st != napi_ok) {
    delete p->batch;
    delete p;
  }
}

void Sensor::Drain() {
  int failure = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || inflight_ < max_inflight_; });
    }
    if (stopping_) break;
    // The programs wake this thread only when a lot is waiting (see emit() in
    // common.bpf.h); otherwise the poll times out and consume() reads what
    // accumulated, without a wake-up per record.
    int n = ring_buffer__poll(ring_, poll_ms_);
    if (n >= 0 || n == -EINTR) n = ring_buffer__consume(ring_);
    if (n < 0 && n != kBatchFull && n != -EINTR) {
      failure = n;
      break;
    }
    if (!batch_->empty()) Deliver(false);
  }
  // Links are gone by now: what is left in the ring is the complete tail.
  if (!failure) {
    for (;;) {
      int n = ring_buffer__consume(ring_);
      if (n < 0 && n != kBatchFull) {
        failure = n;
        break;
      }
      if (n != kBatchFull) break;
      Deliver(false);
    }
  }
  if (failure) {
    auto* p = new Payload{this, nullptr, true, "drain ring buffer", -failure};
    tsfn_.BlockingCall(p, [](Napi::Env env, Napi::Function cb, Payload* p) {
      if (env != nullptr) {
        cb.Call({StepError(env, p->error, p->err).Value(), env.Undefined(), Napi::Boolean::New(env, true)});
      }
      delete p;
    });
  } else {
    Deliver(true);
  }
  tsfn_.Release();
}

Napi::Value Sensor::Release(const Napi::CallbackInfo& info) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (inflight_ > 0) inflight_--;
  }
  cv_.notify_all();
  return info.Env().Undefined();
}

void Sensor::Detach() {
  for (bpf_link* l : links_) bpf_link__destroy(l);
  links_.clear();
}

Napi::Value Sensor::Stop(const Napi::CallbackInfo& info) {
  Detach();
  stopping_ = true;
  cv_.notify_all();
  return Napi::Boolean::New(info.Env(), started_);
}

Napi::Value Sensor::Counters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (counters_fd_ < 0) throw StepError(env, "read counters", EBADF, "sensor is closed");
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) throw StepError(env, "count possible CPUs", -ncpu);
  bpf_map_info minfo = {};
  uint32_t ilen = sizeof(minfo);
  int err = bpf_obj_get_info_by_fd(counters_fd_, &minfo, &ilen);
  if (err) throw StepError(env, "read counters map info", errno);
  std::vector<uint64_t> values(ncpu);
  Napi::Array out = Napi::Array::New(env, minfo.max_entries);
  for (uint32_t key = 0; key < minfo.max_entries; key++) {
    if (bpf_map_lookup_elem(counters_fd_, &key, values.data()))
      throw StepError(env, "read counter " + std::to_string(key), errno);
    Napi::Array per_cpu = Napi::Array::New(env, ncpu);
    for (int c = 0; c < ncpu; c++) per_cpu.Set(c, Napi::Number::New(env, static_cast<double>(values[c])));
    out.Set(key, per_cpu);
  }
  return out;
}

bpf_map* Sensor::FindMap(Napi::Env env, const std::string& name, const std::string& step, size_t key_size) {
  for (bpf_object* obj : objects_) {
    bpf_map* map = bpf_object__find_map_by_name(obj, name.c_str());
    if (!map || bpf_map__fd(map) < 0) continue;
    if (key_size != bpf_map__key_size(map))
      throw StepError(env, step, EINVAL, "key is " + std::to_string(key_size) + " bytes, the map's " +
                      std::to_string(bpf_map__key_size(map)));
    return map;
  }
  throw StepError(env, step, ENOENT, "no loaded object has this map");
}

// One element of a (non-per-CPU) map of any loaded object, or null.
Napi::Value Sensor::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> key = info[1].As<Napi::Buffer<uint8_t>>();
  bpf_map* map = FindMap(env, name, "look up in map " + name, key.Length());
  Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, bpf_map__value_size(map));
  if (bpf_map_lookup_elem(bpf_map__fd(map), key.Data(), value.Data()) != 0) {
    if (errno == ENOENT) return env.Null();
    throw StepError(env, "look up in map " + name, errno);
  }
  return value;
}

void Sensor::UpdateMap(Napi::Env env, const std::string& name, Napi::Buffer<uint8_t> key,
                       Napi::Buffer<uint8_t> value) {
  std::string step = "update map " + name;
  bpf_map* map = FindMap(env, name, step, key.Length());
  if (value.Length() != bpf_map__value_size(map))
    throw StepError(env, step, EINVAL, "value is " + std::to_string(value.Length()) + " bytes, the map's " +
                    std::to_string(bpf_map__value_size(map)));
  if (bpf_map_update_elem(bpf_map__fd(map), key.Data(), value.Data(), BPF_ANY) != 0) throw StepError(env, step, errno);
}

// Writes one element; the programs see it on their next event.
Napi::Value Sensor::Update(const Napi::CallbackInfo& info) {
  UpdateMap(info.Env(), info[0].As<Napi::String>(), info[1].As<Napi::Buffer<uint8_t>>(),
            info[2].As<Napi::Buffer<uint8_t>>());
  return info.Env().Undefined();
}

// The descriptor of a program loaded and left for someone else to attach (loadOnly).
Napi::Value Sensor::ProgramFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  for (bpf_program* p : held_) {
    if (name == bpf_program__name(p) && bpf_program__fd(p) >= 0) return Napi::Number::New(env, bpf_program__fd(p));
  }
  throw StepError(env, "find loaded program " + name, ENOENT);
}

// Removes and returns every element of a hash map whose key starts with the
// u32 window, values of per-CPU maps one after the other. Keys are
// collected first: deleting while walking would restart the walk.
Napi::Value Sensor::TakeWindow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  uint32_t window = info[1].As<Napi::Number>().Uint32Value();
  std::string step = "drain map " + name;
  bpf_map* map = nullptr;
  for (bpf_object* obj : objects_) {
    bpf_map* m = bpf_object__find_map_by_name(obj, name.c_str());
    if (m && bpf_map__fd(m) >= 0) map = m;
  }
  if (!map) throw StepError(env, step, ENOENT, "no loaded object has this map");
  int fd = bpf_map__fd(map);
  size_t key_size = bpf_map__key_size(map);
  size_t value_size = bpf_map__value_size(map);
  bpf_map_type type = bpf_map__type(map);
  if (type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) throw StepError(env, "count possible CPUs", -ncpu);
    value_size = ((value_size + 7) & ~size_t(7)) * ncpu;
  }
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> key(key_size), next(key_size);
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data()) == 0) {
    first = false;
    key = next;
    uint32_t w;
    memcpy(&w, key.data(), sizeof(w));
    if (w == window) keys.push_back(key);
  }
  if (errno != ENOENT) throw StepError(env, step, errno);
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (auto& k : keys) {
    Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, value_size);
    // an entry the LRU evicted meanwhile is simply gone (user space counts it from the inserts)
    if (bpf_map_lookup_and_delete_elem(fd, k.data(), value.Data()) != 0) {
      if (errno == ENOENT) continue;
      // before 5.14 hash maps cannot do both in one call; the window is closed, so two are as good
      if (errno != EINVAL && errno != kENOTSUPP) throw StepError(env, step, errno);
      if (bpf_map_lookup_elem(fd, k.data(), value.Data()) != 0) continue;
      bpf_map_delete_elem(fd, k.data());
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("key", Napi::Buffer<uint8_t>::Copy(env, k.data(), k.size()));
    o.Set("value", value);
    out.Set(n++, o);
  }
  return out;
}

void Sensor::Teardown() {
  Detach();
  if (ring_) ring_buffer__free(ring_);
  ring_ = nullptr;
  for (bpf_object* o : objects_) bpf_object__close(o);
  objects_.clear();
  held_.clear();
  events_fd_ = counters_fd_ = -1;
  shared_fds_.clear();
  delete batch_;
  batch_ = nullptr;
  for (std::vector<uint8_t>* b : spare_) delete b;
  spare_.clear();
  closed_ = true;
}

Napi::Value Sensor::Close(const Napi::CallbackInfo& info) {
  Detach();
  stopping_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Teardown();
  js_batch_.Reset();
  return info.Env().Undefined();
}
