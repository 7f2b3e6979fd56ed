{
  "targets": [
    {
      "target_name": "thread_shim",
      "sources": [
        "src/global_lock.cc",
        "src/install.cc",
        "src/thread.cc",
        "src/lock.cc",
        "src/condition.cc",
        "src/thread_local.cc",
        "src/atomics.cc",
        "src/regexp_frames.cc"
      ],
      "cflags_cc": ["-std=gnu++20", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lpthread"]
    }
  ]
}
