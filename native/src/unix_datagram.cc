// A connected AF_UNIX datagram socket (the local syslog socket, /dev/log):
// Node's dgram module has none. Non-blocking, so a daemon that stops reading
// fills its queue and the sender sees EAGAIN (backpressure) instead of a
// blocked event loop; one call sends a whole batch.
#include "unix_datagram.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

using bpfaudit::StepError;

Napi::Value UnixDatagramOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) throw StepError(env, "unix socket path", ENAMETOOLONG, path);
  memcpy(addr.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw StepError(env, "socket", errno);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    int err = errno;
    close(fd);
    throw StepError(env, "connect", err, path);
  }
  return Napi::Number::New(env, fd);
}

// Sends messages[from..] one datagram each until one does not go: returns
// { sent: index reached, errno: 0 when all went, else why the next did not }.
Napi::Value UnixDatagramSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Array messages = info[1].As<Napi::Array>();
  uint32_t i = info[2].As<Napi::Number>().Uint32Value();
  int err = 0;
  for (; i < messages.Length(); i++) {
    Napi::Buffer<uint8_t> m = messages.Get(i).As<Napi::Buffer<uint8_t>>();
    ssize_t n;
    do n = send(fd, m.Data(), m.Length(), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      err = errno;
      break;
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("sent", Napi::Number::New(env, i));
  out.Set("errno", Napi::Number::New(env, err));
  out.Set("code", Napi::String::New(env, err ? bpfaudit::ErrnoName(err) : ""));
  return out;
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}
