// Sets `const volatile` knobs of an opened, not yet loaded object by name,
// using the object's own BTF to find each variable's offset and size.
#include "rodata.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bpfaudit {

int SetRodata(bpf_object* obj, const std::string& name, uint64_t value,
              std::string* why) {
  bpf_map* map = nullptr;
  bpf_map* it;
  bpf_object__for_each_map(it, obj) {
    const char* n = bpf_map__name(it);
    size_t len = strlen(n);
    if (bpf_map__is_internal(it) && len >= 7 && strcmp(n + len - 7, ".rodata") == 0) {
      map = it;
      break;
    }
  }
  btf* b = bpf_object__btf(obj);
  if (!map || !b) {
    *why = "object has no .rodata section";
    return -ENOENT;
  }
  int sec_id = btf__find_by_name_kind(b, ".rodata", BTF_KIND_DATASEC);
  if (sec_id < 0) {
    *why = "object BTF has no .rodata datasec";
    return -ENOENT;
  }
  const btf_type* sec = btf__type_by_id(b, sec_id);
  const btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
    const btf_type* var = btf__type_by_id(b, vsi->type);
    if (name != btf__name_by_offset(b, var->name_off)) continue;
    if (vsi->size > sizeof(value)) {
      *why = "knob " + name + " is wider than 64 bits";
      return -EINVAL;
    }
    size_t size = 0;
    const void* init = bpf_map__initial_value(map, &size);
    if (!init || vsi->offset + vsi->size > size) {
      *why = "knob " + name + " lies outside .rodata";
      return -EINVAL;
    }
    std::vector<uint8_t> data(static_cast<const uint8_t*>(init),
                              static_cast<const uint8_t*>(init) + size);
    // little-endian hosts only (x86_64, arm64): the low bytes carry the value
    memcpy(data.data() + vsi->offset, &value, vsi->size);
    return bpf_map__set_initial_value(map, data.data(), data.size());
  }
  *why = "no knob named " + name;
  return -ENOENT;
}

}  // namespace bpfaudit
