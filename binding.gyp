{
  "targets": [
    {
      "target_name": "bpfaudit",
      "sources": [
        "native/src/addon.cc",
        "native/src/errors.cc",
        "native/src/privileges.cc",
        "native/src/rodata.cc",
        "native/src/sensor.cc",
        "native/src/unix_datagram.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lbpf"]
    },
    {
      "target_name": "bpfaudit-tcx",
      "type": "executable",
      "sources": ["native/src/tcx_attach.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
