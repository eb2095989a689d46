#pragma once

#include <cstdint>
#include <string>

struct bpf_object;

namespace bpfaudit {

// Returns 0 or a negative errno, with the reason in *why.
int SetRodata(bpf_object* obj, const std::string& name, uint64_t value, std::string* why);

}  // namespace bpfaudit
