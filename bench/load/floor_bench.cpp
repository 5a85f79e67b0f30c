// bench_floor: the least that any durable-before-answer server does per request, measured on this machine, so
// that bench_load's figures can be read against it (docs/benchmarks.md, "The machine's floor").
//
// The server here does nothing but the unavoidable: it reads fixed-size requests (the size of a signed order)
// from loopback TCP connections on its I/O threads, queues them for one writer thread, which writes every queued
// request to a file (pwrite at a rotating offset of a file written once at its full size, like the journal's
// kept WAL) and calls fdatasync (group commit), then answers each (the size of a FULL order answer) with one send
// from the writer thread itself. No HTTP, no signature, no engine, no SQLite, no history, no thread hop for the
// answer. The load generator is one thread in the same process, as in bench_load.
//
//   --mode steady   open loop at --rate R over --connections N; latency from each request's intended send time
//   --mode orders   closed loop: each connection keeps one request in flight; requests answered per second
//
// It prints the workload beside the figures. It checks that every answer came back to the connection that asked,
// in order, and that the file holds what was written. Not a model of the venue: a floor under it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kRequestBytes = 400;  // a signed POST /api/v3/order with its headers, as bench_load sends it
constexpr size_t kAnswerBytes = 700;   // a FULL answer with its headers (bench_load: ~550 bytes, 750-880 with fills)
constexpr int64_t kFileBytes = int64_t{64} << 20;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string mode = "steady";
  unsigned rate = 10'000;
  unsigned connections = 64;
  unsigned io_threads = 2;
  double seconds = 10;
  double warmup = 1;
  unsigned runs = 3;
};

// A request names its connection and its sequence number on that connection; the answer echoes both.
struct Header {
  uint32_t connection;
  uint32_t pad;
  uint64_t sequence;
};
static_assert(sizeof(Header) == 16);

struct Answer {
  int fd;
  Header header;
};

// Server side: I/O threads queue requests, the writer makes them durable and answers.
class Server {
 public:
  Server(int file, unsigned io_threads) : file_(file) {
    for (unsigned i = 0; i < io_threads; i++) {
      const int epoll = epoll_create1(0);
      if (epoll < 0) die("epoll_create1");
      epolls_.push_back(epoll);
    }
  }
  ~Server() {
    for (const int epoll : epolls_) close(epoll);
    for (const auto& conn : conns_) close(conn->fd);
  }

  void adopt(int fd, unsigned index) {
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = conn.get();
    if (epoll_ctl(epolls_[index % epolls_.size()], EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl");
    conns_.push_back(std::move(conn));
  }

  void start() {
    for (const int epoll : epolls_) threads_.emplace_back([this, epoll] { run_io(epoll); });
    threads_.emplace_back([this] { run_writer(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  uint64_t commits() const { return commits_.load(); }
  // After stop(): where the last batch went and its first request, to read back.
  int64_t last_offset() const { return last_offset_; }
  Header last_first() const { return last_first_; }

 private:
  struct Conn {
    int fd = -1;
    std::vector<uint8_t> in;
  };

  void run_io(int epoll) {
    epoll_event events[64];
    std::vector<uint8_t> buffer(65536);
    for (;;) {
      const int n = epoll_wait(epoll, events, 64, 50);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      for (int i = 0; i < n; i++) {
        Conn& conn = *static_cast<Conn*>(events[i].data.ptr);
        const ssize_t got = recv(conn.fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) continue;
        conn.in.insert(conn.in.end(), buffer.begin(), buffer.begin() + got);
        size_t used = 0;
        bool queued = false;
        {
          std::lock_guard lock(mutex_);
          for (; conn.in.size() - used >= kRequestBytes; used += kRequestBytes) {
            Answer answer{.fd = conn.fd, .header = {}};
            std::memcpy(&answer.header, conn.in.data() + used, sizeof(Header));
            queue_.push_back(answer);
            queued = true;
          }
        }
        conn.in.erase(conn.in.begin(), conn.in.begin() + static_cast<std::ptrdiff_t>(used));
        if (queued) ready_.notify_one();
      }
    }
  }

  void run_writer() {
    std::vector<Answer> batch;
    std::vector<uint8_t> bytes;
    std::vector<uint8_t> answer(kAnswerBytes, 'a');
    int64_t offset = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (stopping_) return;
        batch.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
      bytes.assign(batch.size() * kRequestBytes, 'r');
      for (size_t i = 0; i < batch.size(); i++)
        std::memcpy(&bytes[i * kRequestBytes], &batch[i].header, sizeof(Header));
      if (offset + static_cast<int64_t>(bytes.size()) > kFileBytes) offset = 0;
      if (pwrite(file_, bytes.data(), bytes.size(), offset) != static_cast<ssize_t>(bytes.size())) die("pwrite");
      if (fdatasync(file_) != 0) die("fdatasync");
      last_offset_ = offset;
      last_first_ = batch.front().header;
      offset += static_cast<int64_t>(bytes.size());
      commits_.fetch_add(1);
      for (const Answer& a : batch) {
        std::memcpy(answer.data(), &a.header, sizeof(Header));
        if (send(a.fd, answer.data(), answer.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(answer.size())) {
          die("send (the answer did not fit the socket buffer)");
        }
      }
    }
  }

  int file_;
  std::vector<int> epolls_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Answer> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commits_{0};
  int64_t last_offset_ = -1;  // the writer's
  Header last_first_{};
};

struct RunResult {
  double answers_per_s = 0;
  double per_commit = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  uint64_t late = 0;  // steady: sent more than 1 ms after the intended time
  bool ok = true;
};

double percentile_ms(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto at = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
  return static_cast<double>(sorted[at]) / 1e6;
}

RunResult run_once(const Options& o, const std::string& dir) {
  const std::string path = dir + "/bench-floor.dat";
  const int file = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (file < 0) die("open the data file");
  {
    std::vector<uint8_t> zeros(4096, 0);
    for (int64_t at = 0; at < kFileBytes; at += 4096) {
      if (pwrite(file, zeros.data(), zeros.size(), at) != 4096) die("pwrite (preallocating)");
    }
    if (fsync(file) != 0) die("fsync");
  }

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
  if (listen(listener, 1024) != 0) die("listen");
  socklen_t length = sizeof address;
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) die("getsockname");

  Server server(file, o.io_threads);
  std::vector<int> clients(o.connections);
  const int one = 1;
  for (unsigned c = 0; c < o.connections; c++) {
    clients[c] = socket(AF_INET, SOCK_STREAM, 0);
    if (clients[c] < 0) die("socket");
    if (connect(clients[c], reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("connect");
    setsockopt(clients[c], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int accepted = accept(listener, nullptr, nullptr);
    if (accepted < 0) die("accept");
    setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    server.adopt(accepted, c);
  }
  close(listener);
  server.start();

  // The generator: one thread, epoll over the client sockets.
  const int epoll = epoll_create1(0);
  if (epoll < 0) die("epoll_create1");
  for (unsigned c = 0; c < o.connections; c++) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = c;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, clients[c], &event) != 0) die("epoll_ctl");
  }
  const bool open_loop = o.mode == "steady";
  const int64_t start_ns = mono_ns();
  const int64_t window_begin = start_ns + static_cast<int64_t>(o.warmup * 1e9);
  const int64_t window_end = window_begin + static_cast<int64_t>(o.seconds * 1e9);
  const int64_t interval_ns = open_loop ? static_cast<int64_t>(1e9 / o.rate) : 0;
  std::vector<uint64_t> next_sequence(o.connections, 0);      // sent on each connection
  std::vector<uint64_t> expected_sequence(o.connections, 0);  // answered on each connection
  std::vector<std::deque<int64_t>> started(o.connections);    // intended (or actual) send time per request
  std::vector<std::vector<uint8_t>> in(o.connections);
  std::vector<int64_t> latency_ns;
  latency_ns.reserve(static_cast<size_t>(open_loop ? o.rate * (o.seconds + 1) : 4e6));
  std::vector<uint8_t> request(kRequestBytes, 'q');
  std::vector<uint8_t> buffer(65536);
  RunResult result;
  uint64_t answered_in_window = 0;
  uint64_t commits_at_begin = 0;
  bool window_started = false;
  const auto send_request = [&](unsigned c, int64_t intended_ns) {
    Header header{.connection = c, .pad = 0, .sequence = next_sequence[c]++};
    std::memcpy(request.data(), &header, sizeof header);
    if (send(clients[c], request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      die("send");
    }
    started[c].push_back(intended_ns);
  };
  if (!open_loop) {
    for (unsigned c = 0; c < o.connections; c++) send_request(c, mono_ns());
  }
  int64_t due_ns = start_ns;
  unsigned next_connection = 0;
  epoll_event events[128];
  for (;;) {
    const int64_t now = mono_ns();
    if (now >= window_end) break;
    if (!window_started && now >= window_begin) {
      window_started = true;
      commits_at_begin = server.commits();
    }
    if (open_loop) {
      for (; due_ns <= now; due_ns += interval_ns) {
        if (now - due_ns > 1'000'000 && due_ns >= window_begin) result.late++;
        send_request(next_connection, due_ns);
        next_connection = (next_connection + 1) % o.connections;
      }
    }
    const int64_t wait_ns = open_loop ? std::max<int64_t>(0, due_ns - mono_ns()) : 50'000'000;
    const timespec timeout{.tv_sec = wait_ns / 1'000'000'000, .tv_nsec = wait_ns % 1'000'000'000};
    const int n = epoll_pwait2(epoll, events, 128, &timeout, nullptr);
    if (n < 0 && errno != EINTR) die("epoll_pwait2");
    for (int i = 0; i < n; i++) {
      const unsigned c = events[i].data.u32;
      const ssize_t got = recv(clients[c], buffer.data(), buffer.size(), 0);
      if (got <= 0) die("recv (the server closed a connection)");
      in[c].insert(in[c].end(), buffer.begin(), buffer.begin() + got);
      size_t used = 0;
      for (; in[c].size() - used >= kAnswerBytes; used += kAnswerBytes) {
        Header header{};
        std::memcpy(&header, in[c].data() + used, sizeof header);
        if (header.connection != c || header.sequence != expected_sequence[c] || started[c].empty()) {
          result.ok = false;  // an answer on the wrong connection, or out of order
        }
        expected_sequence[c]++;
        const int64_t done = mono_ns();
        const int64_t sent = started[c].empty() ? done : started[c].front();
        if (!started[c].empty()) started[c].pop_front();
        if (sent >= window_begin && done <= window_end) {
          latency_ns.push_back(done - sent);
          answered_in_window++;
        }
        if (!open_loop) send_request(c, done);
      }
      in[c].erase(in[c].begin(), in[c].begin() + static_cast<std::ptrdiff_t>(used));
    }
  }
  const uint64_t commits = server.commits() - commits_at_begin;
  server.stop();
  close(epoll);
  for (const int fd : clients) close(fd);

  // The file holds what the writer wrote: read back the first request of its last batch.
  Header last{};
  const Header wrote = server.last_first();
  if (server.last_offset() < 0 ||
      pread(file, &last, sizeof last, server.last_offset()) != static_cast<ssize_t>(sizeof last) ||
      std::memcmp(&last, &wrote, sizeof last) != 0) {
    result.ok = false;
  }
  close(file);
  unlink(path.c_str());

  std::sort(latency_ns.begin(), latency_ns.end());
  result.answers_per_s = static_cast<double>(answered_in_window) / o.seconds;
  result.per_commit = commits == 0 ? 0 : static_cast<double>(answered_in_window) / static_cast<double>(commits);
  result.p50_ms = percentile_ms(latency_ns, 0.5);
  result.p99_ms = percentile_ms(latency_ns, 0.99);
  result.p999_ms = percentile_ms(latency_ns, 0.999);
  result.max_ms = latency_ns.empty() ? 0 : static_cast<double>(latency_ns.back()) / 1e6;
  return result;
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg == "--tiny") {
      o->seconds = 0.3;
      o->warmup = 0.1;
      o->runs = 1;
      o->rate = 2'000;
      o->connections = 8;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    char* end = nullptr;
    if (arg == "--mode") {
      o->mode = value;
      if (o->mode != "steady" && o->mode != "orders") return false;
      continue;
    }
    const double number = std::strtod(value, &end);
    if (end == value || *end != '\0' || number <= 0) return false;
    if (arg == "--rate") {
      o->rate = static_cast<unsigned>(number);
    } else if (arg == "--connections") {
      o->connections = static_cast<unsigned>(number);
    } else if (arg == "--io-threads") {
      o->io_threads = static_cast<unsigned>(number);
    } else if (arg == "--seconds") {
      o->seconds = number;
    } else if (arg == "--warmup") {
      o->warmup = number;
    } else if (arg == "--runs") {
      o->runs = static_cast<unsigned>(number);
    } else {
      return false;
    }
  }
  return o->rate > 0 && o->connections > 0 && o->connections <= 4096 && o->io_threads > 0 && o->runs > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: bench_floor [--mode steady|orders] [--rate R] [--connections N] [--io-threads T] "
                 "[--seconds D] [--warmup W] [--runs N] [--tiny]\n");
    return 2;
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::printf(
      "bench_floor: the least a durable-before-answer server does, on loopback with the generator in the "
      "same process\n");
  std::printf(
      "  %u connections, %u I/O threads; requests of %zu bytes, answers of %zu; group commit: pwrite + "
      "fdatasync of every queued request to a 64 MiB file in %s written once at its size; the writer "
      "answers\n",
      o.connections, o.io_threads, kRequestBytes, kAnswerBytes, dir.c_str());
  if (o.mode == "steady") {
    std::printf(
        "  steady: %u requests/s, open loop, latency from the intended send time; %.1f s after %.1f s "
        "warm-up\n",
        o.rate, o.seconds, o.warmup);
  } else {
    std::printf("  orders: one request in flight per connection; %.1f s after %.1f s warm-up\n", o.seconds, o.warmup);
  }
  bool ok = true;
  std::vector<double> rates, p99s;
  for (unsigned r = 0; r < o.runs; r++) {
    const RunResult res = run_once(o, dir);
    ok = ok && res.ok;
    rates.push_back(res.answers_per_s);
    p99s.push_back(res.p99_ms);
    std::printf("  run %u: %.0f answers/s, %.1f per commit, p50 %.3f / p99 %.3f / p99.9 %.3f / max %.3f ms%s%s\n",
                r + 1, res.answers_per_s, res.per_commit, res.p50_ms, res.p99_ms, res.p999_ms, res.max_ms,
                o.mode == "steady" ? (", sent > 1 ms late " + std::to_string(res.late)).c_str() : "",
                res.ok ? "" : "; CHECK FAILED");
  }
  std::sort(rates.begin(), rates.end());
  std::sort(p99s.begin(), p99s.end());
  std::printf("%s, median of %u run(s): %.0f answers/s; p99 %.3f ms\n", o.mode.c_str(), o.runs, rates[rates.size() / 2],
              p99s[p99s.size() / 2]);
  std::printf("check: %s\n", ok ? "ok"
                                : "FAILED (an answer came back on the wrong connection or out of order, or the "
                                  "file does not hold the last batch)");
  return ok ? 0 : 1;
}
