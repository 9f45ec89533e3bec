// jemalloc's options for the executables that hold the folded state: `creditlog` and the
// benchmarks that run its server. Include it from exactly one source file of such an
// executable: it defines the variable jemalloc reads at its first allocation. MALLOC_CONF in
// the environment is read after it, so an operator can still override any option.
//
// thp:always: jemalloc asks for transparent huge pages (madvise) on the memory it maps. On this
//   class of VM every 4 KiB page touched for the first time costs a fault, and a start at two
//   million subjects brings about 1.9 GiB of state into memory; with huge pages bench_scale's
//   server started in 6.0–9.8 s instead of 11.3 s. Where THP is "never" it changes nothing.
// narenas:2: one arena per core of the reference machine, not jemalloc's four per CPU. With huge
//   pages each arena's partly used runs are held in 2 MiB pages: at two million subjects the
//   server's RSS was 1,998 MiB without huge pages, 2,055 MiB with them and eight arenas, 2,010
//   MiB with two (benchmarks/NOTES.md).
#pragma once

extern "C" {
const char* malloc_conf = "thp:always,narenas:2";  // name and type are jemalloc's
}
