#pragma once

#include <napi.h>

// unixDatagramOpen(path) and unixDatagramSend(fd, messages, from): see unix_datagram.cc.
Napi::Value UnixDatagramOpen(const Napi::CallbackInfo& info);
Napi::Value UnixDatagramSend(const Napi::CallbackInfo& info);
Napi::Value CloseFd(const Napi::CallbackInfo& info);
