#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"

namespace gatehouse::app {
namespace {

constexpr std::size_t kMasterKeySize = 32;

Result<std::string> DecodeMasterKey(std::string text, const std::string& where) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto raw = Base64Decode(text);
  if (!raw) raw = Base64UrlDecode(text);
  if (!raw || raw->size() != kMasterKeySize) {
    return InvalidArgumentError(where + " must hold 32 bytes in base64 (e.g. from: head -c32 /dev/urandom | base64)");
  }
  return *raw;
}

}  // namespace

std::string DefaultStoreUri(const std::string& data_dir) { return "sqlite:" + data_dir + "/gatehouse.db"; }

Status CreateDataDir(const std::string& data_dir) {
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return InvalidArgumentError(data_dir + " exists and is not a directory");
    return Status::Ok();
  }
  // Parents are created as `mkdir -p` would; the data directory itself is private (0700).
  std::error_code ec;
  const auto parent = std::filesystem::path(data_dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return InvalidArgumentError("cannot create data directory " + data_dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status RequireDataDir(const std::string& data_dir) {
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0) {
    return NotFoundError("data directory " + data_dir + " does not exist; create it with: gatehouse init --data " +
                         data_dir + " --issuer URL");
  }
  if (!S_ISDIR(st.st_mode)) return InvalidArgumentError(data_dir + " is not a directory");
  return Status::Ok();
}

Result<std::string> LoadMasterKey(const std::string& data_dir, bool create, Random& random) {
  if (const char* env = std::getenv("GATEHOUSE_MASTER_KEY"); env != nullptr && *env != '\0') {
    return DecodeMasterKey(env, "GATEHOUSE_MASTER_KEY");
  }
  const std::string path = data_dir + "/master.key";
  if (create) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string text = Base64Encode(random.Bytes(kMasterKeySize)) + "\n";
      bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) {
        ::unlink(path.c_str());
        return UnavailableError("cannot write " + path + ": " + std::strerror(errno));
      }
    } else if (errno != EEXIST) {
      return UnavailableError("cannot create " + path + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return NotFoundError("no master key: set GATEHOUSE_MASTER_KEY or keep " + path + " (made by gatehouse init)");
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDeniedError(path + " is readable by other users; run: chmod 600 " + path);
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return UnavailableError("cannot read " + path);
  return DecodeMasterKey(ss.str(), path);
}

Result<std::unique_ptr<store::Store>> OpenDataStore(const std::string& data_dir, const std::string& store_uri,
                                                    bool create) {
  const std::string uri = store_uri.empty() ? DefaultStoreUri(data_dir) : store_uri;
  store::OpenOptions options;
  options.create_if_missing = create;
  auto store = store::OpenStore(uri, options);
  if (store.ok()) return store;
  const Status& s = store.error();
  switch (s.code()) {
    case StatusCode::kNotFound:
      return NotFoundError("no store at " + uri + "; create one with: gatehouse init --data " + data_dir +
                           " --issuer URL");
    case StatusCode::kDataLoss:
      return DataLossError("store " + uri + " is damaged or not a Gatehouse database (" + s.message() + ")");
    default:
      return s;
  }
}

Result<std::unique_ptr<store::Store>> OpenExistingStore(const std::string& data_dir, const std::string& store_uri) {
  if (store_uri.empty()) RETURN_IF_ERROR(RequireDataDir(data_dir));
  return OpenDataStore(data_dir, store_uri, /*create=*/false);
}

}  // namespace gatehouse::app
