# hyperio's C++ addon. One target, N-API 8, C++17, -O3, no C++ exceptions (errors cross the
# boundary as pending JS exceptions, never as C++ throws). Set the gyp variable
# hyperio_asan=1 (scripts/native/asan.sh does) for an AddressSanitizer debug build.
{
  "variables": {
    "hyperio_asan%": 0
  },
  "targets": [
    {
      "target_name": "hyperio_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/errors.cc",
        "native/src/args.cc",
        "native/src/base64.cc",
        "native/src/base64_ssse3.cc",
        "native/src/base64_avx2.cc",
        "native/src/records.cc",
        "native/src/utf8.cc",
        "native/src/payload.cc",
        "native/src/json_string.cc",
        "native/src/scratch.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fexceptions"],
      "cflags_cc!": ["-fexceptions", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CFLAGS": ["-O3"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 0, "AdditionalOptions": ["/std:c++17", "/O2"] }
      },
      "configurations": {
        "Release": {
          "cflags": ["-O3"],
          "cflags_cc": ["-O3"]
        }
      },
      "conditions": [
        ["hyperio_asan==1", {
          "cflags": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1"],
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
