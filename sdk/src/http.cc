// HttpClient over libcurl easy handles (see http.h for the contract).
#include "http.h"

#include <curl/curl.h>

#include <mutex>
#include <utility>
#include <vector>

namespace gatehouse::sdk::detail {
namespace {

// Idle handles kept for reuse; more concurrent calls than this simply create (and later free)
// their own.
constexpr std::size_t kMaxIdleHandles = 4;

std::once_flag curl_once;
bool curl_ready = false;

bool init_curl() {
  // curl_global_init is not thread-safe and must precede every other libcurl call.
  std::call_once(curl_once, [] { curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return curl_ready;
}

Error error(ErrorCode code, std::string message) { return Error{code, std::move(message), 0, {}, {}}; }

struct BodySink {
  std::string* body;
  bool over = false;
};

std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* userp) {
  auto* sink = static_cast<BodySink*>(userp);
  const std::size_t n = size * nmemb;
  if (n > kMaxResponseBytes - sink->body->size()) {
    sink->over = true;
    return 0;  // short count: libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

Error classify(CURLcode rc, const BodySink& sink, std::string_view what, std::chrono::milliseconds timeout) {
  std::string prefix(what);
  switch (rc) {
    case CURLE_WRITE_ERROR:
      if (!sink.over) break;
      [[fallthrough]];
    case CURLE_FILESIZE_EXCEEDED:  // a Content-Length over the limit, refused before reading
      return error(ErrorCode::kInvalidResponse, prefix + ": response larger than 1 MiB");
    case CURLE_OPERATION_TIMEDOUT:
      return error(ErrorCode::kTimeout, prefix + ": no complete answer within " + std::to_string(timeout.count()) +
                                            " ms");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return error(ErrorCode::kInvalidArgument, prefix + ": " + curl_easy_strerror(rc));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return error(ErrorCode::kInternal, prefix + ": libcurl failed: " + curl_easy_strerror(rc));
    default:
      break;
  }
  // Refused, unresolved, reset, TLS handshake or certificate verification, a broken transfer.
  // curl_easy_strerror names the class of failure without echoing anything we sent.
  return error(ErrorCode::kNetwork, prefix + ": " + curl_easy_strerror(rc));
}

}  // namespace

struct HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;

  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }

  CURL* take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        // Forgets the previous call's options; keeps its connections and TLS sessions.
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }

  void give_back(CURL* h) {
    {
      std::lock_guard lock(mu);
      if (idle.size() < kMaxIdleHandles) {
        idle.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }
};

HttpClient::HttpClient(std::chrono::milliseconds timeout, std::string ca_file)
    : timeout_(timeout), ca_file_(std::move(ca_file)), pool_(std::make_unique<Pool>()) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const std::string& url, std::string_view what) const {
  return perform(url, nullptr, what);
}

Result<HttpResponse> HttpClient::post_form(const std::string& url, std::string_view body, std::string_view what) const {
  return perform(url, &body, what);
}

Result<HttpResponse> HttpClient::perform(const std::string& url, const std::string_view* form_body,
                                         std::string_view what) const {
  if (timeout_.count() <= 0) return error(ErrorCode::kInvalidArgument, "ClientOptions::timeout must be positive");
  if (!init_curl()) return error(ErrorCode::kInternal, "curl_global_init failed");

  CURL* h = pool_->take();
  if (h == nullptr) return error(ErrorCode::kInternal, "curl_easy_init failed");
  struct Return {
    Pool* pool;
    CURL* h;
    ~Return() { pool->give_back(h); }
  } give_back{pool_.get(), h};

  curl_slist* headers = nullptr;
  struct FreeList {
    curl_slist** list;
    ~FreeList() { curl_slist_free_all(*list); }
  } free_list{&headers};
  auto add_header = [&headers](const char* line) {
    curl_slist* next = curl_slist_append(headers, line);
    if (next == nullptr) return false;
    headers = next;
    return true;
  };
  // No "Expect: 100-continue": a round trip, or a stall with servers that ignore it.
  bool headers_ok = add_header("Expect:") && add_header("Accept: application/json");
  if (form_body != nullptr) headers_ok = headers_ok && add_header("Content-Type: application/x-www-form-urlencoded");
  if (!headers_ok) return error(ErrorCode::kInternal, "out of memory");

  HttpResponse response;
  BodySink sink{&response.body};
  const std::string user_agent(kUserAgent);
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_URL, url.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_PROXY, ""));  // "" = no proxy, environment variables ignored
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count())));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count())));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!ca_file_.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, ca_file_.c_str()));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent.c_str()));
  set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers));
  set(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBytes)));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink));
  if (form_body != nullptr) {
    set(curl_easy_setopt(h, CURLOPT_POST, 1L));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form_body->size())));
    // Never a null pointer: POSTFIELDS = NULL would make libcurl read the body from a callback.
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, form_body->empty() ? "" : form_body->data()));
  } else {
    set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
  }
  if (rc != CURLE_OK) {
    return error(ErrorCode::kInternal, std::string(what) + ": cannot configure libcurl: " + curl_easy_strerror(rc));
  }

  rc = curl_easy_perform(h);
  // The body buffer and header list die with this frame: the pooled handle must not keep
  // pointers to them (curl_easy_reset clears them before the next use, and nothing else reads
  // them in between).
  if (rc != CURLE_OK) return classify(rc, sink, what, timeout_);
  long status = 0;
  if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status < 100 || status > 999) {
    return error(ErrorCode::kInvalidResponse, std::string(what) + ": no HTTP status in the response");
  }
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace gatehouse::sdk::detail
