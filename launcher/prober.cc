#include "launcher/prober.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/text.h"

namespace quarry {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds(int ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d.%03d", ms / 1000, ms % 1000);
  return buf;
}

// curl's own words without its "curl: (7) " prefix.
std::string curl_message(const ProcessResult& r) {
  auto text = trim(r.err);
  if (text.starts_with("curl: (")) {
    if (auto close = text.find(") "); close != std::string::npos) text = text.substr(close + 2);
  }
  if (text.empty()) text = "curl exit " + std::to_string(r.exit_code);
  return split_lines(text).front();
}

}  // namespace

Argv remote_probe_argv(const std::string& address, int port, const std::string& path, int timeout_ms) {
  std::string t = seconds(timeout_ms > 0 ? timeout_ms : 1000);
  std::string p = path.empty() ? "/" : path;
  if (p.front() != '/') p = "/" + p;
  // --globoff: the path is the manifest's, taken literally ("[1-9999]" and
  // "{a,b}" are not curl ranges).
  return {"curl", "--globoff", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_connect}", "--connect-timeout", t,
          "--max-time", t, "-H", "User-Agent: quarry-health", "http://" + address + ":" + std::to_string(port) + p};
}

void read_remote_probe(const ProcessResult& r, const HealthCheck& check, ProbeAttempt& a) {
  auto words = split(trim(r.out), ' ');
  int code = 0;
  double connected = 0;
  if (words.size() == 2) {
    try {
      code = std::stoi(words[0]);
      connected = std::stod(words[1]);
    } catch (...) {
      code = 0;
      connected = 0;
    }
  }
  if (check.path.empty()) {
    // A TCP check: any answer, or none after the connect, is a success.
    a.ok = connected > 0 || code > 0;
    a.detail = a.ok ? "TCP connect" : "connect: " + curl_message(r);
    return;
  }
  std::string what = "GET " + check.path + ": ";
  if (code > 0) {
    a.ok = code >= 200 && code < 400;
    a.detail = what + "HTTP " + std::to_string(code);
  } else {
    a.detail = what + curl_message(r);
  }
}

ProbeAttempt RemoteProber::probe(const std::string& address, int port, const HealthCheck& check, int number) {
  ProbeAttempt a;
  a.number = number;
  auto start = Clock::now();
  Command cmd;
  cmd.argv = remote_probe_argv(address, port, check.path, check.timeout_ms);
  cmd.timeout = std::chrono::milliseconds(check.timeout_ms + 15000);
  auto r = shell_.run(host_, cmd);
  if (!r) {
    a.detail = "probe " + where() + " failed: " + r.error().message;
  } else {
    read_remote_probe(*r, check, a);
  }
  a.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return a;
}

std::vector<int> quick_probe_delays_ms(int interval_ms) {
  std::vector<int> out;
  int spent = 0;
  for (int d = kQuickProbeFirstMs; spent + d < interval_ms; d *= 2) {
    out.push_back(d);
    spent += d;
  }
  return out;
}

HealthReport wait_healthy(Prober& prober, const std::string& address, int port, const HealthCheck& check) {
  HealthReport report;
  int tries = check.retries > 0 ? check.retries : 1;
  int number = 0;
  auto attempt = [&] {
    auto a = prober.probe(address, port, check, ++number);
    report.attempts.push_back(a);
    report.healthy = a.ok;
    return a.ok;
  };
  for (int i = 1; i <= tries; ++i) {
    if (attempt()) return report;
    if (i == tries) break;
    int wait = check.interval_ms;
    if (i == 1) {
      // Within the first interval: quick probes, so that a replica that
      // listens a few milliseconds after docker run passes then.
      for (int d : quick_probe_delays_ms(check.interval_ms)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(d));
        if (attempt()) return report;
        wait -= d;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  return report;
}

}  // namespace quarry
