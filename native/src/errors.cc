#include "errors.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>

namespace bpfaudit {
namespace {

constexpr size_t kKeepLines = 12;
std::mutex log_mu;
std::deque<std::string> log_lines;

int CaptureLibbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  vsnprintf(line, sizeof(line), fmt, args);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n')) line[--n] = 0;
  std::lock_guard<std::mutex> lock(log_mu);
  log_lines.emplace_back(line);
  if (log_lines.size() > kKeepLines) log_lines.pop_front();
  return 0;
}

}  // namespace

void InstallLibbpfLog() { libbpf_set_print(CaptureLibbpf); }

std::string TakeLibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mu);
  std::string out;
  for (const auto& l : log_lines) {
    if (!out.empty()) out += "\n";
    out += l;
  }
  log_lines.clear();
  return out;
}

std::string ErrnoName(int err) {
  if (err < 0) err = -err;
  const char* name = strerrorname_np(err);
  return name ? name : "E" + std::to_string(err);
}

Napi::Error StepError(Napi::Env env, const std::string& step, int err,
                      const std::string& detail) {
  if (err < 0) err = -err;
  std::string msg = step + " failed: " + ErrnoName(err) + " (" + strerror(err) + ")";
  if (!detail.empty()) msg += ": " + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("step", Napi::String::New(env, step));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  std::string log = TakeLibbpfLog();
  if (!log.empty()) e.Set("libbpfLog", Napi::String::New(env, log));
  return e;
}

}  // namespace bpfaudit
