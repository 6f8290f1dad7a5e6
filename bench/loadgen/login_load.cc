// Login benchmarks of Gatehouse (passwordless: email + 6-digit code) against the peer
// (oidc-provider, ../shared/bench/peer/server.js: login + consent), one after the other in one run.
// The C++ replacement of the former bench/login.mjs (same modes, steps, checks and outputs; a
// Node HTTP client cost ~1.7 ms of CPU per login on the 2 cores it shares with the servers).
// Run by bench/run.sh, which starts both servers and Gatehouse with
// `--smtp smtp://127.0.0.1:$SMTP_PORT`: this program serves that port with a minimal SMTP sink
// that keeps the last code sent to each recipient.
//
//   login_load verify|login_roundtrip|login_full [REP]
//
// verify           Gatehouse: N logins prepared untimed (authorize, GET /login, POST /login/email,
//                  code from the sink), then the N POST /login/passwordless/verify timed at
//                  concurrency C; each must answer 302 to the redirect URI with a code.
//                  Peer: N interactions prepared untimed (GET /auth, GET /interaction/:uid), then
//                  the N POST /interaction/:uid/login timed; each must answer 303 /auth/:uid.
//                  Both in batches of BATCH (the peer's in-memory store keeps 1000 entries).
// login_roundtrip  Whole logins at concurrency C, a fresh cookie jar each. Gatehouse: authorize,
//                  GET /login, POST /login/email (the email), GET /login/passwordless, POST verify.
//                  Peer: steps 1-7 of login-flow.mjs (login and consent, up to the code).
// login_full       The same round trips, ending with tokens: the code is exchanged at the token
//                  endpoint and the answer must hold an id_token and an access_token. Gatehouse:
//                  the authorization request carries a PKCE S256 challenge and POST /oauth/token
//                  sends the code_verifier with client_secret_post (GH_SECRET): 6 HTTP requests.
//                  Peer: all 8 steps of login-flow.mjs, step 8 POST /token with client_secret_basic
//                  and no PKCE, as that script does. The first login of each server (in its
//                  warm-up) also checks the ID token's signature against the server's JWKS, its
//                  iss, aud and exp.
//
// Environment: GH, GH_CLIENT, GH_SECRET (login_full), PEER (base URLs, client id), SMTP_PORT, N (2000), C (16),
// WARMUP (max(WARMUP, C) round trips per server before each measurement), BATCH (250), OUT (directory),
// PERF_CTL (a `perf record --control fifo:PERF_CTL,PERF_CTL.ack -D -1` on Gatehouse: enabled
// during Gatehouse's timed requests only).
// GH_PID, PEER_PID, CLK_TCK: the servers' processes, for the CPU each uses per login (and the
// client's own: this whole process, SMTP sink included), measured over the timed requests only.
// Prints a table on stderr, appends details to $OUT/login.tsv and prints one summary.tsv row
// (endpoint rep gh_rps gh_p50 gh_p99 gh_errors peer_rps peer_p50 peer_p99 peer_errors ratio) on stdout.
//
// Design: C worker slots, each with one keep-alive connection per server (blocking sockets;
// http.cc); each pool of tasks (a warm-up, a timed run, a verify batch) runs on one thread per
// slot, which takes the next login from an atomic counter. The SMTP sink runs a thread per
// connection (Gatehouse keeps its SMTP sessions open).
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "loadgen.h"

namespace {
using namespace loadgen;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using Error = std::runtime_error;

constexpr std::string_view kRedirectUri = "http://127.0.0.1:9999/cb";
const std::string kAuthQs =
    "response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb&scope=openid+profile+email&state=xyz";
const std::string kPeerBasic = "Authorization: Basic " + Base64("bench:bench-secret-0123456789abcdef") + "\r\n";  // server.js's client
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- configuration: the environment (a variable set but empty reads as "" or 0)
struct Config {
  std::string mode, rep, gh, gh_client, gh_secret, peer, out, perf_ctl;
  long smtp_port = 0, n = 0, c = 0, warmup = 0, batch = 0;
  double clk_tck = 100;
  bool full = false, verify = false;
};
Config cfg;

std::string Env(const char* k, const char* d = "") {
  const char* v = std::getenv(k);
  return v ? v : d;
}
long EnvLong(const char* k, long d) {
  const char* v = std::getenv(k);
  return v ? std::strtol(v, nullptr, 10) : d;
}
void Log(const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); }

SmtpSink* sink = nullptr;  // never destroyed: its threads outlive main's results

// ---- the servers and the workers' connections
struct Server {
  const char* name;
  int id;  // 0: gatehouse, 1: peer
  std::string base;
  Origin origin;
  int requests_per_login;
  const char* pid_env;
  std::atomic<bool> verified{false};
};
std::unique_ptr<Server> gh, peer;

struct Slot {  // what worker `slot` owns
  Slot() : gh_conn(gh->origin), peer_conn(peer->origin) {}
  Conn& For(const Server& s) { return s.id == 0 ? gh_conn : peer_conn; }
  Conn gh_conn, peer_conn;
  Response res;         // the last response (each step copies what it keeps)
  std::string headers;  // scratch
};
std::vector<std::unique_ptr<Slot>> slots;

// One request with the login's cookie jar; the status must be `expect`. `form`: an encoded body.
const Response& Step(const Server& s, Slot& w, Jar& jar, std::string_view method, std::string_view url, int expect,
                     std::string_view form = {}, std::string_view extra_headers = {}) {
  const Target t = Resolve(s.origin, url);
  w.headers.assign(extra_headers);
  jar.AppendHeader(t.path, w.headers);
  if (!form.empty()) w.headers.append("Content-Type: application/x-www-form-urlencoded\r\n");
  w.For(s).Send(method, t.target, w.headers, form, w.res);
  jar.Store(w.res);
  if (w.res.status != expect) {
    throw Error(std::string(method) + " " + t.path + " -> " + std::to_string(w.res.status) + " (expected " +
                std::to_string(expect) + "): " + w.res.body.substr(0, 200));
  }
  return w.res;
}
std::string Location(const Response& r) {
  const std::string* loc = r.Header("location");
  if (!loc) throw Error("no Location in the " + std::to_string(r.status) + " answer");
  return *loc;
}
// The redirect to the client: REDIRECT_URI with state=xyz and a code; returns the code.
std::string CheckCallback(const std::string& location) {
  const std::string code = QueryParam(location, "code");
  if (std::string_view(location).substr(0, location.find_first_of("?#")) != kRedirectUri ||
      QueryParam(location, "state") != "xyz" || code.empty()) {
    throw Error("bad callback " + location);
  }
  return code;
}
bool Truthy(const json::value* v) {  // JavaScript's truthiness
  if (!v) return false;
  switch (v->kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v->get_bool();
    case json::kind::int64: return v->get_int64() != 0;
    case json::kind::uint64: return v->get_uint64() != 0;
    case json::kind::double_: return v->get_double() != 0 && !std::isnan(v->get_double());
    case json::kind::string: return !v->get_string().empty();
    default: return true;
  }
}
// The token endpoint's answer: a 200 (checked by Step) whose JSON holds both tokens; the id_token.
std::string CheckTokens(const Response& r) {
  boost::system::error_code ec;
  const json::value tok = json::parse(r.body, ec);
  const json::object* o = ec ? nullptr : tok.if_object();
  if (!o || !Truthy(o->if_contains("access_token")) || !Truthy(o->if_contains("id_token"))) {
    throw Error("no access_token and id_token in " + r.body.substr(0, 200));
  }
  const json::value& id = o->at("id_token");
  return id.is_string() ? std::string(id.get_string()) : json::serialize(id);
}

// ---- the two servers' steps. Prepare() -> state, Finish(state) is the timed request of verify.
struct Prepared {
  Jar jar;
  std::string tx, csrf, code;  // gatehouse: the verify form
  std::string path;            // peer: POST /interaction/:uid/login
};
std::string Email(int slot) { return "bench-" + std::to_string(slot) + "@example.com"; }  // returning users

Prepared GhPrepare(Slot& w, int slot, bool show, std::string_view challenge) {
  const Server& s = *gh;
  Prepared p;
  std::string url = "/oauth/authorize?client_id=" + cfg.gh_client + "&" + kAuthQs;
  if (!challenge.empty()) url.append("&code_challenge=").append(challenge).append("&code_challenge_method=S256");
  const std::string login = Location(Step(s, w, p.jar, "GET", url, 302));
  const Response& page = Step(s, w, p.jar, "GET", login, 200);
  const std::string tx = FormField(page.body, "tx"), csrf = FormField(page.body, "csrf");
  if (tx.empty() || csrf.empty()) throw Error("no login form");
  const std::string email = Email(slot);
  sink->Erase(email);
  const std::string next =
      Location(Step(s, w, p.jar, "POST", "/login/email", 303, FormEncode({{"tx", tx}, {"csrf", csrf}, {"email", email}})));
  // Gatehouse sends the email before it answers: the code is in the sink by now.
  p.code = sink->Get(email);
  if (p.code.empty()) throw Error("no email with a code for " + email);
  p.tx = QueryParam(next, "tx");
  p.csrf = csrf;
  if (show) {
    const Response& r = Step(s, w, p.jar, "GET", next, 200);
    p.tx = FormField(r.body, "tx");
    p.csrf = FormField(r.body, "csrf");
  }
  return p;
}
std::string GhFinish(Slot& w, Prepared& p) {
  const Response& r = Step(*gh, w, p.jar, "POST", "/login/passwordless/verify", 302,
                           FormEncode({{"tx", p.tx}, {"csrf", p.csrf}, {"code", p.code}}));
  return CheckCallback(Location(r));
}
void GhRoundtrip(Slot& w, int slot) {
  if (!cfg.full) {
    Prepared p = GhPrepare(w, slot, true, {});
    GhFinish(w, p);
    return;
  }
  const Pkce pk = MakePkce();
  Prepared p = GhPrepare(w, slot, true, pk.challenge);
  const std::string code = GhFinish(w, p);
  const Response& r = Step(*gh, w, p.jar, "POST", "/oauth/token", 200,
                           FormEncode({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirectUri},
                                       {"code_verifier", pk.verifier}, {"client_id", cfg.gh_client}, {"client_secret", cfg.gh_secret}}));
  const std::string id_token = CheckTokens(r);
  if (!gh->verified.exchange(true)) CheckIdToken(w.gh_conn, w.res, gh->origin, cfg.gh, "/keys", cfg.gh, cfg.gh_client, id_token);
}

Prepared PeerPrepare(Slot& w) {
  Prepared p;
  const std::string loc = Location(Step(*peer, w, p.jar, "GET", "/auth?client_id=bench&" + kAuthQs, 303));
  if (Step(*peer, w, p.jar, "GET", loc, 200).body.find("/login\"") == std::string::npos) throw Error("no login form");
  p.path = Resolve(peer->origin, loc).path + "/login";
  return p;
}
std::string PeerFinish(Slot& w, Prepared& p) {
  const std::string loc = Location(Step(*peer, w, p.jar, "POST", p.path, 303, FormEncode({{"login", "alice"}, {"password", "pw"}})));
  if (loc.find("/auth/") == std::string::npos) throw Error("bad login answer " + loc);
  return loc;
}
void PeerRoundtrip(Slot& w) {
  Prepared p = PeerPrepare(w);
  std::string loc = Location(Step(*peer, w, p.jar, "GET", PeerFinish(w, p), 303));
  if (Step(*peer, w, p.jar, "GET", loc, 200).body.find("/confirm\"") == std::string::npos) throw Error("no consent form");
  loc = Location(Step(*peer, w, p.jar, "POST", Resolve(peer->origin, loc).path + "/confirm", 303, FormEncode({{"ok", "1"}})));
  const std::string code = CheckCallback(Location(Step(*peer, w, p.jar, "GET", loc, 303)));
  if (!cfg.full) return;
  // step 8 of login-flow.mjs: client_secret_basic, no PKCE
  const Response& r = Step(*peer, w, p.jar, "POST", "/token", 200,
                           FormEncode({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirectUri}}), kPeerBasic);
  const std::string id_token = CheckTokens(r);
  if (!peer->verified.exchange(true)) CheckIdToken(w.peer_conn, w.res, peer->origin, cfg.peer, "/jwks", cfg.peer, "bench", id_token);
}

// ---- measurement
struct PoolResult {
  std::vector<double> lat;  // ms, successful timed tasks
  long errors = 0;
  double secs = 0;
};
// Runs task(i, slot) for i in [0, n) on min(C, n) workers; worker w is slot w.
template <class Task>
PoolResult Pool(long n, const Task& task, bool timed) {
  const long workers = std::min(cfg.c, n);
  std::atomic<long> next{0}, errors{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(std::max(workers, 0L)));
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int slot = 0; slot < workers; ++slot) {
    threads.emplace_back([&, slot] {
      auto& mine = lat[static_cast<std::size_t>(slot)];
      mine.reserve(static_cast<std::size_t>(n / workers + 1));
      for (long i; (i = next.fetch_add(1)) < n;) {
        const auto s = Clock::now();
        try {
          task(i, slot);
          if (timed) mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        } catch (const std::exception& e) {
          if (errors.fetch_add(1) == 0) {
            std::lock_guard lock(mu);
            first_error = e.what();
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  PoolResult r;
  r.secs = std::chrono::duration<double>(Clock::now() - t0).count();
  r.errors = errors.load();
  for (auto& l : lat) r.lat.insert(r.lat.end(), l.begin(), l.end());
  if (r.errors) Log("  " + std::to_string(r.errors) + " error(s), first: " + first_error);
  return r;
}

// perf control: the ack fifo first (perf opens it for writing after the control fifo).
int perf_ctl = -1, perf_ack = -1;
void PerfCtl(const Server& s, const char* command) {
  if (perf_ctl < 0 || s.id != 0) return;
  const std::string line = std::string(command) + "\n";
  if (::write(perf_ctl, line.data(), line.size()) < 0) throw Error(std::string("perf control: ") + std::strerror(errno));
  char ack[16];
  if (::read(perf_ack, ack, sizeof ack) < 0) throw Error(std::string("perf ack: ") + std::strerror(errno));  // "ack\n"
}

// CPU used during the timed requests: the server process's (from /proc/PID/stat, all its threads)
// and this client's own (getrusage: the HTTP client and the SMTP sink), in ms.
struct Cpu {
  double srv = 0, cli = 0;
};
Cpu CpuNow(const Server& s) {
  Cpu c;
  c.srv = kNaN;
  if (const std::string pid = Env(s.pid_env); !pid.empty()) {
    std::ifstream f("/proc/" + pid + "/stat");
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string st = ss.str();
    const std::size_t paren = st.rfind(')');
    if (!f || paren == std::string::npos) throw Error("cannot read /proc/" + pid + "/stat");
    std::istringstream fields(st.substr(paren + 2));  // field 3 (state) first: utime is 14, stime 15
    std::string skip;
    double utime = 0, stime = 0;
    for (int i = 0; i < 11; ++i) fields >> skip;
    fields >> utime >> stime;
    c.srv = (utime + stime) * 1000 / cfg.clk_tck;
  }
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  c.cli = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  return c;
}
void CpuAdd(Cpu& acc, const Cpu& a, const Cpu& b) {
  acc.srv += b.srv - a.srv;
  acc.cli += b.cli - a.cli;
}

struct Measured {
  PoolResult r;
  Cpu cpu;
};
Measured Measure(Server& s) {
  // Warm-up (and, on the first call, the C users of Gatehouse are created here).
  const auto roundtrip = [&s](long, int slot) {
    Slot& w = *slots[static_cast<std::size_t>(slot)];
    if (s.id == 0) GhRoundtrip(w, slot);
    else PeerRoundtrip(w);
  };
  if (Pool(std::max(cfg.warmup, cfg.c), roundtrip, false).errors) throw Error("warm-up failed");
  Measured m;
  if (!cfg.verify) {
    PerfCtl(s, "enable");
    const Cpu c0 = CpuNow(s);
    m.r = Pool(cfg.n, roundtrip, true);
    const Cpu c1 = CpuNow(s);
    PerfCtl(s, "disable");
    CpuAdd(m.cpu, c0, c1);
    return m;
  }
  for (long done = 0; done < cfg.n; done += cfg.batch) {
    const long n = std::min(cfg.batch, cfg.n - done);
    std::vector<Prepared> states(static_cast<std::size_t>(n));
    const auto prepare = [&](long i, int slot) {
      Slot& w = *slots[static_cast<std::size_t>(slot)];
      states[static_cast<std::size_t>(i)] = s.id == 0 ? GhPrepare(w, slot, false, {}) : PeerPrepare(w);
    };
    if (Pool(n, prepare, false).errors) throw Error("preparing the logins failed");
    const auto finish = [&](long i, int slot) {
      Slot& w = *slots[static_cast<std::size_t>(slot)];
      Prepared& p = states[static_cast<std::size_t>(i)];
      if (s.id == 0) GhFinish(w, p);
      else PeerFinish(w, p);
    };
    PerfCtl(s, "enable");
    const Cpu c0 = CpuNow(s);
    PoolResult t = Pool(n, finish, true);
    CpuAdd(m.cpu, c0, CpuNow(s));
    PerfCtl(s, "disable");
    m.r.lat.insert(m.r.lat.end(), t.lat.begin(), t.lat.end());
    m.r.errors += t.errors;
    m.r.secs += t.secs;
  }
  return m;
}

struct Summary {
  double rate = 0, p50 = 0, p99 = 0;
  long errors = 0;
  double secs = 0, srv_ms = kNaN, cli_ms = kNaN, srv_cores = kNaN, cli_cores = kNaN;
};
Summary Summarize(Measured& m) {
  std::vector<double>& lat = m.r.lat;
  std::sort(lat.begin(), lat.end());
  const auto pct = [&lat](double p) {
    if (lat.empty()) return 0.0;
    return lat[std::min(lat.size() - 1, static_cast<std::size_t>(std::floor(p / 100 * static_cast<double>(lat.size()))))];
  };
  const double n = static_cast<double>(cfg.n);
  return {n / m.r.secs, pct(50), pct(99), m.r.errors, m.r.secs,
          m.cpu.srv / n, m.cpu.cli / n, m.cpu.srv / 1000 / m.r.secs, m.cpu.cli / 1000 / m.r.secs};
}

// Number.prototype.toFixed, NaN and Infinity included.
std::string Fixed(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  cfg.mode = argc > 1 ? argv[1] : "";
  cfg.rep = argc > 2 ? argv[2] : "1";
  cfg.gh = Env("GH");
  cfg.gh_client = Env("GH_CLIENT");
  cfg.gh_secret = Env("GH_SECRET");
  cfg.peer = Env("PEER");
  cfg.smtp_port = EnvLong("SMTP_PORT", 0);
  cfg.n = EnvLong("N", 2000);
  cfg.c = EnvLong("C", 16);
  cfg.warmup = EnvLong("WARMUP", 200);
  cfg.batch = EnvLong("BATCH", 250);
  cfg.out = Env("OUT", ".");
  cfg.perf_ctl = Env("PERF_CTL");
  cfg.clk_tck = static_cast<double>(EnvLong("CLK_TCK", 100));
  cfg.full = cfg.mode == "login_full";
  cfg.verify = cfg.mode == "verify";
  if ((!cfg.verify && cfg.mode != "login_roundtrip" && !cfg.full) || cfg.gh.empty() || cfg.gh_client.empty() ||
      cfg.peer.empty() || cfg.smtp_port == 0 || (cfg.full && cfg.gh_secret.empty())) {
    Log("usage: GH=url GH_CLIENT=id [GH_SECRET=secret] PEER=url SMTP_PORT=port login_load verify|login_roundtrip|login_full [REP]");
    return 2;
  }
  try {
    gh.reset(new Server{"gatehouse", 0, cfg.gh, ParseOrigin(cfg.gh), cfg.full ? 6 : 5, "GH_PID"});
    peer.reset(new Server{"peer", 1, cfg.peer, ParseOrigin(cfg.peer), cfg.full ? 8 : 7, "PEER_PID"});
    if (!cfg.perf_ctl.empty()) {
      perf_ack = ::open((cfg.perf_ctl + ".ack").c_str(), O_RDONLY | O_CLOEXEC);
      perf_ctl = ::open(cfg.perf_ctl.c_str(), O_WRONLY | O_CLOEXEC);
      if (perf_ack < 0 || perf_ctl < 0) throw Error("perf control fifos " + cfg.perf_ctl + ": " + std::strerror(errno));
    }
    sink = new SmtpSink;
    sink->Listen(cfg.smtp_port);
  } catch (const std::exception& e) {
    Log(e.what());
    return 1;
  }
  for (long i = 0; i < cfg.c; ++i) slots.push_back(std::make_unique<Slot>());

  // A server that fails (e.g. an endpoint missing from the binary) is reported with N errors and
  // rate 0; the other one is still measured.
  Summary results[2];
  for (Server* s : {gh.get(), peer.get()}) {
    try {
      Measured m = Measure(*s);
      results[s->id] = Summarize(m);
    } catch (const std::exception& e) {
      Log(std::string(s->name) + ": " + e.what());
      results[s->id] = Summary{};
      results[s->id].errors = cfg.n;
    }
  }
  const Summary& g = results[0];
  const Summary& p = results[1];
  const double ratio = p.rate > 0 ? g.rate / p.rate : 0;
  const char* unit = cfg.verify ? "verifications/s" : "logins/s";
  std::fprintf(stderr, "%s rep %s: N=%ld C=%ld batch=%s\n", cfg.mode.c_str(), cfg.rep.c_str(), cfg.n, cfg.c,
               cfg.verify ? std::to_string(cfg.batch).c_str() : "-");
  std::fprintf(stderr, "  %-10s %16s %8s %8s %7s %8s  CPU ms per login (cores): server, client\n", "server", unit, "p50 ms",
               "p99 ms", "errors", "seconds");
  for (const Server* s : {gh.get(), peer.get()}) {
    const Summary& r = results[s->id];
    std::fprintf(stderr, "  %-10s %16s %8s %8s %7ld %8s  %s (%s), %s (%s)\n", s->name, Fixed(r.rate, 0).c_str(),
                 Fixed(r.p50, 2).c_str(), Fixed(r.p99, 2).c_str(), r.errors, Fixed(r.secs, 2).c_str(), Fixed(r.srv_ms, 2).c_str(),
                 Fixed(r.srv_cores, 2).c_str(), Fixed(r.cli_ms, 2).c_str(), Fixed(r.cli_cores, 2).c_str());
  }
  Log("  ratio " + Fixed(ratio, 1) + "x");

  const std::string tsv = cfg.out + "/login.tsv";
  const bool exists = ::access(tsv.c_str(), F_OK) == 0;
  std::ofstream f(tsv, std::ios::app);
  if (!exists) {
    f << "endpoint\trep\tserver\tn\tconcurrency\tbatch\tseconds\tper_s\tp50_ms\tp99_ms\terrors\thttp_requests_per_login\t"
         "server_cpu_ms_per_login\tclient_cpu_ms_per_login\n";
  }
  for (const Server* s : {gh.get(), peer.get()}) {
    const Summary& r = results[s->id];
    f << cfg.mode << '\t' << cfg.rep << '\t' << s->name << '\t' << cfg.n << '\t' << cfg.c << '\t'
      << (cfg.verify ? std::to_string(cfg.batch) : "") << '\t' << Fixed(r.secs, 3) << '\t' << Fixed(r.rate, 1) << '\t'
      << Fixed(r.p50, 2) << '\t' << Fixed(r.p99, 2) << '\t' << r.errors << '\t' << (cfg.verify ? 1 : s->requests_per_login)
      << '\t' << Fixed(r.srv_ms, 2) << '\t' << Fixed(r.cli_ms, 2) << '\n';
  }
  f.close();
  std::printf("%s\t%s\t%s\t%s\t%s\t%ld\t%s\t%s\t%s\t%ld\t%s\n", cfg.mode.c_str(), cfg.rep.c_str(), Fixed(g.rate, 0).c_str(),
              Fixed(g.p50, 2).c_str(), Fixed(g.p99, 2).c_str(), g.errors, Fixed(p.rate, 0).c_str(), Fixed(p.p50, 2).c_str(),
              Fixed(p.p99, 2).c_str(), p.errors, Fixed(ratio, 1).c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  // The sink's threads are still blocked in accept/recv: leave without running destructors.
  std::_Exit(g.errors + p.errors > 0 ? 1 : 0);
}
