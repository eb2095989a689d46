// The one owner of the kernel side: BPF objects, links, the ring buffer and
// the thread that drains it into batches.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct bpf_object;
struct bpf_map;
struct bpf_link;
struct bpf_program;
struct ring_buffer;

struct Attachment {
  std::string object;
  std::string program;
  std::string section;
  bool ok;
  std::string step;
  int err;
  std::string message;
};

class Sensor : public Napi::ObjectWrap<Sensor> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Sensor(const Napi::CallbackInfo& info);
  ~Sensor() override;

 private:
  Napi::Value Attachments(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Counters(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value ProgramFd(const Napi::CallbackInfo& info);
  Napi::Value TakeWindow(const Napi::CallbackInfo& info);
  bpf_map* FindMap(Napi::Env env, const std::string& name, const std::string& step, size_t key_size);
  void UpdateMap(Napi::Env env, const std::string& name, Napi::Buffer<uint8_t> key, Napi::Buffer<uint8_t> value);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void Open(Napi::Env env, const Napi::Object& options);
  void Detach();
  void Drain();
  void Deliver(bool done);
  std::vector<uint8_t>* SpareBatch();
  void Recycle(std::vector<uint8_t>* batch);
  void Teardown();
  Napi::Value BatchView(Napi::Env env, const std::vector<uint8_t>& batch);
  // a full batch may run past max_batch_bytes_ by its last record
  size_t BatchCapacity() const { return max_batch_bytes_ + 8192; }
  static int OnRecord(void* ctx, void* data, size_t len);
  static void CleanupHook(void* arg);

  std::vector<bpf_object*> objects_;
  std::vector<bpf_link*> links_;
  std::vector<bpf_program*> held_;  // loaded, attached by someone else (loadOnly)
  std::vector<Attachment> attachments_;
  ring_buffer* ring_ = nullptr;
  int events_fd_ = -1;
  int counters_fd_ = -1;
  std::map<std::string, int> shared_fds_;

  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool closed_ = false;
  int inflight_ = 0;
  int max_inflight_ = 4;
  int poll_ms_ = 100;
  size_t max_batch_bytes_ = 1 << 20;
  std::vector<uint8_t>* batch_ = nullptr;
  std::vector<std::vector<uint8_t>*> spare_;  // batches JS has copied, for the drain thread to refill
  Napi::Reference<Napi::ArrayBuffer> js_batch_;  // JS thread only: where every batch is copied for JS
};
