// Gives up root after the probes are attached: every capability and the
// root uid/gid, on every thread. glibc's set*id wrappers apply the change to
// all threads of the process; with keep-caps off, leaving uid 0 clears the
// permitted and effective sets of each. Map and ring-buffer descriptors that
// are already open keep working.
#include "privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

namespace {

using bpfaudit::StepError;

// The last capability this kernel knows, from /proc (capabilities newer than our headers included).
int LastCap() {
  FILE* f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  int last = CAP_LAST_CAP;
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
    fclose(f);
  }
  return last;
}

}  // namespace

Napi::Value DropPrivileges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uid_t uid = info[0].As<Napi::Number>().Uint32Value();
  gid_t gid = info[1].As<Napi::Number>().Uint32Value();
  if (uid == 0) throw StepError(env, "drop privileges", EINVAL, "the target user is root");

  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    throw StepError(env, "clear ambient capabilities", errno);
  // the bounding set is per thread: this limits the main thread and what it
  // starts; without CAP_SETPCAP it stays (it grants nothing by itself)
  for (int cap = 0; cap <= LastCap(); cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM)
      throw StepError(env, "drop capability " + std::to_string(cap) + " from the bounding set", errno);
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) throw StepError(env, "clear keep-caps", errno);
  if (setgroups(0, nullptr) != 0) throw StepError(env, "drop supplementary groups", errno);
  if (setresgid(gid, gid, gid) != 0) throw StepError(env, "switch to gid " + std::to_string(gid), errno);
  if (setresuid(uid, uid, uid) != 0) throw StepError(env, "switch to uid " + std::to_string(uid), errno);
  // no way back: a later exec cannot gain privileges either
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw StepError(env, "set no_new_privs", errno);
  if (setresuid(0, 0, 0) == 0) throw StepError(env, "verify the drop", EPERM, "root could be regained");
  return env.Undefined();
}
