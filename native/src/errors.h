// Native failures become JS errors that name the step and the errno; the
// TypeScript wrapper turns them into SensorError.
#pragma once

#include <napi.h>

#include <string>

namespace bpfaudit {

// The last lines libbpf printed (verifier output, attach reasons), so an
// error can say why and not only that.
std::string TakeLibbpfLog();
void InstallLibbpfLog();

Napi::Error StepError(Napi::Env env, const std::string& step, int err,
                      const std::string& detail = std::string());

std::string ErrnoName(int err);

}  // namespace bpfaudit
