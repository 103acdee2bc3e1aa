// CPU and memory of a process, read from /proc (Linux only).
//
// The harness measures servers from outside so every server is measured the same way and no
// server needs instrumentation: /proc/<pid>/stat gives user and system CPU of all threads in
// clock ticks (USER_HZ, 100 on Linux; coarse, so measured windows should last seconds), the
// per-thread /proc/<pid>/task/*/schedstat gives time on CPU in nanoseconds (precise, but not
// split into user and system), and /proc/<pid>/status gives resident memory.
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ. Linux fixes it at 100 for userspace on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** Microseconds of user-mode CPU, all threads. */
  userUs: number;
  /** Microseconds of kernel-mode CPU, all threads. */
  systemUs: number;
  /** Microseconds on CPU from schedstat, all live threads (NaN where unavailable). */
  runUs: number;
}

export interface MemSample {
  rssBytes: number;
  /** Peak resident set size since the process started. */
  hwmBytes: number;
}

export function readCpu(pid: number): CpuSample {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat(5) are utime and stime; index 0 here is field 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return {
    userUs: (utime * 1e6) / TICKS_PER_SECOND,
    systemUs: (stime * 1e6) / TICKS_PER_SECOND,
    runUs: readRunUs(pid),
  };
}

/**
 * Sum of the schedstat run time of every thread. Threads that exit inside a window take their
 * time with them, so this suits servers (long-lived threads); stat's ticks do not lose it.
 */
function readRunUs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // thread exited between readdir and read
      }
    }
    return ns / 1e3;
  } catch {
    return NaN;
  }
}

/** Time on CPU of one thread (default: the main thread, whose tid is the pid), µs; NaN if unreadable. */
export function readThreadRunUs(pid: number, tid = pid): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e3;
  } catch {
    return NaN;
  }
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  return {
    userUs: after.userUs - before.userUs,
    systemUs: after.systemUs - before.systemUs,
    runUs: after.runUs - before.runUs,
  };
}

export function readMem(pid: number): MemSample {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssBytes: statusKb(text, "VmRSS") * 1024, hwmBytes: statusKb(text, "VmHWM") * 1024 };
}

function statusKb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Sum of CPU over several processes (the client shards), sampled together. */
export function readCpuMany(pids: number[]): CpuSample {
  let userUs = 0;
  let systemUs = 0;
  let runUs = 0;
  for (const pid of pids) {
    try {
      const s = readCpu(pid);
      userUs += s.userUs;
      systemUs += s.systemUs;
      runUs += s.runUs;
    } catch {
      // A process that already exited contributes nothing; the report shows its absence.
    }
  }
  return { userUs, systemUs, runUs };
}
