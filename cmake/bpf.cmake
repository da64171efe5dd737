# Builds the eBPF write tracer (bpf/fimon.bpf.c) into a libbpf skeleton header, fimon.skel.h.
#   vmlinux.h  from the BTF of FIMON_VMLINUX_BTF (default: the build machine's running kernel);
#              CO-RE relocations make the object load on other kernels with BTF (docs/sources.md)
#   .bpf.o     clang -target bpf, debug info stripped (BTF kept)
#   .skel.h    bpftool gen skeleton: the object embedded, with open/load/attach functions
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED libbpf)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
find_program(BPF_CLANG NAMES clang-14 clang REQUIRED)
find_program(BPF_STRIP NAMES llvm-strip-14 llvm-strip REQUIRED)
set(FIMON_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "kernel BTF the eBPF programs are compiled against")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(bpf_arch x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(bpf_arch arm64)
else()
  message(FATAL_ERROR "eBPF: no __TARGET_ARCH for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

set(bpf_out ${CMAKE_BINARY_DIR}/generated/bpf)
file(MAKE_DIRECTORY ${bpf_out})
add_custom_command(
  OUTPUT ${bpf_out}/vmlinux.h
  COMMAND sh -c "${BPFTOOL} btf dump file ${FIMON_VMLINUX_BTF} format c > ${bpf_out}/vmlinux.h.tmp"
  COMMAND ${CMAKE_COMMAND} -E rename ${bpf_out}/vmlinux.h.tmp ${bpf_out}/vmlinux.h
  COMMENT "eBPF: vmlinux.h from ${FIMON_VMLINUX_BTF}"
  VERBATIM)
add_custom_command(
  OUTPUT ${bpf_out}/fimon.bpf.o
  COMMAND ${BPF_CLANG} -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_${bpf_arch}
          -I${bpf_out} -I${CMAKE_SOURCE_DIR}/bpf -c ${CMAKE_SOURCE_DIR}/bpf/fimon.bpf.c -o ${bpf_out}/fimon.bpf.o
  COMMAND ${BPF_STRIP} -g ${bpf_out}/fimon.bpf.o
  DEPENDS ${CMAKE_SOURCE_DIR}/bpf/fimon.bpf.c ${CMAKE_SOURCE_DIR}/bpf/fimon_write_record.h ${bpf_out}/vmlinux.h
  COMMENT "eBPF: compiling bpf/fimon.bpf.c"
  VERBATIM)
add_custom_command(
  OUTPUT ${bpf_out}/fimon.skel.h
  COMMAND sh -c "${BPFTOOL} gen skeleton ${bpf_out}/fimon.bpf.o name fimon_bpf > ${bpf_out}/fimon.skel.h.tmp"
  COMMAND ${CMAKE_COMMAND} -E rename ${bpf_out}/fimon.skel.h.tmp ${bpf_out}/fimon.skel.h
  DEPENDS ${bpf_out}/fimon.bpf.o
  COMMENT "eBPF: skeleton fimon.skel.h"
  VERBATIM)
add_custom_target(fimon_bpf_skeleton DEPENDS ${bpf_out}/fimon.skel.h)
set(FIMON_BPF_INCLUDE_DIRS ${bpf_out} ${CMAKE_SOURCE_DIR}/bpf ${LIBBPF_INCLUDE_DIRS})
