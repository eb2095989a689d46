#pragma once

#include <napi.h>

// dropPrivileges(uid, gid): see privileges.cc.
Napi::Value DropPrivileges(const Napi::CallbackInfo& info);
