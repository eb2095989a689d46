// Module entry: the Sensor class, the clock helpers, the privilege drop and the local syslog socket.
#include <napi.h>
#include <time.h>

#include "errors.h"
#include "privileges.h"
#include "sensor.h"
#include "unix_datagram.h"

namespace {

// CLOCK_REALTIME minus CLOCK_BOOTTIME in ns, from the tightest of a few
// samples, so BPF timestamps (boot clock) convert to wall-clock time.
Napi::Value BootToRealtimeNs(const Napi::CallbackInfo& info) {
  long long best_gap = -1;
  long long offset = 0;
  for (int i = 0; i < 5; i++) {
    timespec b1, r, b2;
    clock_gettime(CLOCK_BOOTTIME, &b1);
    clock_gettime(CLOCK_REALTIME, &r);
    clock_gettime(CLOCK_BOOTTIME, &b2);
    long long nb1 = b1.tv_sec * 1000000000LL + b1.tv_nsec;
    long long nb2 = b2.tv_sec * 1000000000LL + b2.tv_nsec;
    long long nr = r.tv_sec * 1000000000LL + r.tv_nsec;
    if (best_gap < 0 || nb2 - nb1 < best_gap) {
      best_gap = nb2 - nb1;
      offset = nr - (nb1 + (nb2 - nb1) / 2);
    }
  }
  return Napi::BigInt::New(info.Env(), static_cast<int64_t>(offset));
}

Napi::Value BootTimeNs(const Napi::CallbackInfo& info) {
  timespec b;
  clock_gettime(CLOCK_BOOTTIME, &b);
  return Napi::BigInt::New(info.Env(), static_cast<int64_t>(b.tv_sec * 1000000000LL + b.tv_nsec));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  bpfaudit::InstallLibbpfLog();
  exports.Set("Sensor", Sensor::Init(env));
  exports.Set("bootToRealtimeNs", Napi::Function::New(env, BootToRealtimeNs));
  exports.Set("bootTimeNs", Napi::Function::New(env, BootTimeNs));
  exports.Set("dropPrivileges", Napi::Function::New(env, DropPrivileges));
  exports.Set("unixDatagramOpen", Napi::Function::New(env, UnixDatagramOpen));
  exports.Set("unixDatagramSend", Napi::Function::New(env, UnixDatagramSend));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  return exports;
}

}  // namespace

NODE_API_MODULE(bpfaudit, Init)
