#include "fmkit/ot/mips.hpp"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/simd_max.hpp"
#include "fmkit/core/threads.hpp"

namespace fm::ot {
namespace {

// Atoms kept (b_j > 0) and their keys (y_j, g_j) in float and double.
struct Keys {
  std::vector<Index> atom;  // key row → atom index
  Mat k;                    // (N' × (d+1))
};

Keys make_keys(const Mat& y, const Vec& g, const Vec& b) {
  FM_REQUIRE(g.size() == y.rows(), "mips: one potential per atom");
  FM_REQUIRE(b.size() == 0 || b.size() == y.rows(), "mips: one weight per atom");
  Keys K;
  for (Index j = 0; j < y.rows(); ++j)
    if (b.size() == 0 || b[j] > 0) K.atom.push_back(j);
  if (K.atom.empty()) usage_error("mips: every atom has weight 0");
  K.k.resize(static_cast<Index>(K.atom.size()), y.cols() + 1);
  for (std::size_t r = 0; r < K.atom.size(); ++r) {
    K.k.row(static_cast<Index>(r)).head(y.cols()) = y.row(K.atom[r]);
    K.k(static_cast<Index>(r), y.cols()) = g[K.atom[r]];
  }
  return K;
}

// The first index of the maximum of p[0..n): vectorised maxima of 256-entry blocks (simd_max),
// then a vectorised search of the winning block only (first_equal). A hand-laned block maximum
// and a scalar search here cost more than the SGEMM that produced the scores (53 % of an SD fit
// at d = 8).
template <class T>
std::pair<T, Index> first_argmax(const T* p, Index n) {
  constexpr Index kB = 256;
  T best = -std::numeric_limits<T>::infinity();
  Index block = 0;
  for (Index b0 = 0; b0 < n; b0 += kB) {
    const T v = simd_max(p + b0, std::min(kB, n - b0));
    if (v > best) {
      best = v;
      block = b0;
    }
  }
  return {best, block + first_equal(p + block, std::min(kB, n - block), best)};
}

template <class T>
class ExactMips : public Mips {
 public:
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  ExactMips(Keys k, Index chunk) : atom_(std::move(k.atom)), keys_(k.k.cast<T>()), chunk_(chunk) {}

  std::vector<Index> argmax(const Mat& x) const override {
    const Index n = x.rows(), N = keys_.rows(), d = x.cols();
    FM_REQUIRE(d + 1 == keys_.cols(), "mips: query dimension does not match the atoms");
    if (d + 1 <= kDirect) return argmax_direct(x);
    M q(n, d + 1);
    q.leftCols(d) = x.cast<T>();
    q.col(d).setOnes();
    std::vector<Index> best(static_cast<std::size_t>(n), 0);
    std::vector<T> top(static_cast<std::size_t>(n), -std::numeric_limits<T>::infinity());
    // Rows are independent: parallel over row blocks, atoms in increasing chunks so the first
    // maximum (lowest index) wins ties.
    const Index rb = 64;
#pragma omp parallel for schedule(dynamic) if (fm::worth_threads(static_cast<double>(n) * static_cast<double>(N * (d + 1))))
    for (Index r0 = 0; r0 < n; r0 += rb) {
      const Index rows = std::min(rb, n - r0);
      M s;
      for (Index c0 = 0; c0 < N; c0 += chunk_) {
        const Index cols = std::min(chunk_, N - c0);
        s.noalias() = q.middleRows(r0, rows) * keys_.middleRows(c0, cols).transpose();
        for (Index i = 0; i < rows; ++i) {
          const auto [v, j] = first_argmax(s.data() + i * cols, cols);  // lowest index wins ties
          auto& t = top[static_cast<std::size_t>(r0 + i)];
          if (v > t) {
            t = v;
            best[static_cast<std::size_t>(r0 + i)] = atom_[static_cast<std::size_t>(c0 + j)];
          }
        }
      }
    }
    return best;
  }

 private:
  // Small d: a GEMM with inner dimension ≤ 8 is memory-bound on its output, so score and reduce
  // in one fused loop over atoms stored by coordinate (structure of arrays).
  static constexpr Index kDirect = 8;
  std::vector<Index> argmax_direct(const Mat& x) const {
    const Index n = x.rows(), N = keys_.rows(), k = keys_.cols();
    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> soa = keys_;  // column-major: one coordinate per column
    std::vector<Index> best(static_cast<std::size_t>(n));
#pragma omp parallel if (fm::worth_threads(static_cast<double>(n) * static_cast<double>(N * k)))
    {
      std::vector<T> s(static_cast<std::size_t>(N));
#pragma omp for schedule(static)
      for (Index i = 0; i < n; ++i) {
        T q[kDirect];
        for (Index c = 0; c + 1 < k; ++c) q[c] = static_cast<T>(x(i, c));
        T* sp = s.data();
        const T* gcol = soa.data() + (k - 1) * N;
#pragma omp simd
        for (Index j = 0; j < N; ++j) sp[j] = gcol[j];
        for (Index c = 0; c + 1 < k; ++c) {
          const T* col = soa.data() + c * N;
          const T qc = q[c];
#pragma omp simd
          for (Index j = 0; j < N; ++j) sp[j] += qc * col[j];
        }
        best[static_cast<std::size_t>(i)] = atom_[static_cast<std::size_t>(first_argmax(sp, N).second)];
      }
    }
    return best;
  }

  std::vector<Index> atom_;
  M keys_;
  Index chunk_;
};

class FaissMips : public Mips {
 public:
  FaissMips(Keys k, const MipsOptions& o) : atom_(std::move(k.atom)), method_(o.method) {
    const Index N = k.k.rows();
    dim_ = static_cast<int>(k.k.cols());
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> keys = k.k.cast<float>();
    if (method_ == "flat") {
      index_ = std::make_unique<faiss::IndexFlatIP>(dim_);
    } else if (method_ == "hnsw") {
      // MIPS → L2: append √(M² − ‖k‖²) to each key, 0 to each query.
      const Eigen::VectorXf norm2 = keys.rowwise().squaredNorm();
      const float big = norm2.maxCoeff();
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> lifted(N, dim_ + 1);
      lifted.leftCols(dim_) = keys;
      lifted.col(dim_) = (big - norm2.array()).max(0.0f).sqrt().matrix();
      keys = lifted;
      auto h = std::make_unique<faiss::IndexHNSWFlat>(dim_ + 1, o.hnsw_m);
      h->hnsw.efSearch = o.hnsw_ef;
      index_ = std::move(h);
    } else if (method_ == "ivf") {
      quantizer_ = std::make_unique<faiss::IndexFlatIP>(dim_);
      o.check_atoms(N);
      const auto nlist = static_cast<std::size_t>(o.nlist_for(N));
      auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer_.get(), dim_, nlist, faiss::METRIC_INNER_PRODUCT);
      // FAISS warns below 39 points per list; 4√N lists are fewer points than that up to N ≈ 24 k,
      // and the recall and χ² the coupling reports are the measure of the lists' quality.
      ivf->cp.min_points_per_centroid = 1;
      ivf->train(N, keys.data());
      ivf->nprobe = static_cast<std::size_t>(o.ivf_nprobe);
      index_ = std::move(ivf);
    } else {
      usage_error("mips: unknown method '" + method_ + "' (expected exact, flat, hnsw or ivf)");
    }
    index_->add(N, keys.data());
  }

  std::vector<Index> argmax(const Mat& x) const override {
    const Index n = x.rows();
    const int qd = method_ == "hnsw" ? dim_ + 1 : dim_;
    FM_REQUIRE(x.cols() + 1 == dim_, "mips: query dimension does not match the atoms");
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> q =
        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(n, qd);
    q.leftCols(x.cols()) = x.cast<float>();
    q.col(x.cols()).setOnes();
    std::vector<float> dist(static_cast<std::size_t>(n));
    std::vector<faiss::Index::idx_t> label(static_cast<std::size_t>(n));
    index_->search(n, q.data(), 1, dist.data(), label.data());
    std::vector<Index> best(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      const auto l = label[static_cast<std::size_t>(i)];
      if (l < 0) runtime_error("mips: the " + method_ + " index returned no neighbour (too few probes?)");
      best[static_cast<std::size_t>(i)] = atom_[static_cast<std::size_t>(l)];
    }
    return best;
  }

 private:
  std::vector<Index> atom_;
  std::string method_;
  int dim_ = 0;
  std::unique_ptr<faiss::IndexFlatIP> quantizer_;
  std::unique_ptr<faiss::Index> index_;
};

}  // namespace

void MipsOptions::validate() const {
  if (method != "exact" && method != "flat" && method != "hnsw" && method != "ivf")
    usage_error("mips.method: expected exact, flat, hnsw or ivf, got '" + method + "'");
  if (chunk < 1) usage_error("mips.chunk: expected >= 1");
  if (hnsw_m < 2 || hnsw_m > 512) usage_error("mips.hnsw_m: expected an integer in [2, 512]");
  if (hnsw_ef < 1 || hnsw_ef > 100000) usage_error("mips.hnsw_ef: expected an integer in [1, 100000]");
  if (ivf_nlist < 0 || ivf_nlist > 10000000) usage_error("mips.ivf_nlist: expected an integer in [0, 1e7] (0: 4 sqrt(N))");
  if (ivf_nprobe < 1 || ivf_nprobe > 10000000) usage_error("mips.ivf_nprobe: expected an integer in [1, 1e7]");
}

int MipsOptions::nlist_for(Index atoms) const {
  return ivf_nlist > 0 ? ivf_nlist : static_cast<int>(std::max(1.0, std::round(4 * std::sqrt(static_cast<double>(atoms)))));
}

void MipsOptions::check_atoms(Index atoms) const {
  if (method != "ivf") return;
  // k-means needs a point per list; a probe past the last list would search lists that do not exist.
  const int nlist = nlist_for(atoms);
  if (nlist > atoms)
    usage_error("mips.ivf_nlist: " + std::to_string(nlist) + " lists for " + std::to_string(atoms) + " atoms");
  if (ivf_nprobe > nlist)
    usage_error("mips.ivf_nprobe: " + std::to_string(ivf_nprobe) + " exceeds the " + std::to_string(nlist) + " lists");
}

MipsOptions parse_mips_spec(const cfg::json& spec, const std::string& w) {
  if (!spec.is_object()) usage_error(w + ": expected an object such as {\"method\": \"hnsw\"}");
  cfg::expect_keys(spec, w, {"method", "hnsw_m", "hnsw_ef", "ivf_nlist", "ivf_nprobe"});
  MipsOptions o;
  o.method = cfg::string_or(spec, "method", o.method, w);
  // Another index's parameters would be ignored: refused, not silently dropped.
  for (const char* k : {"hnsw_m", "hnsw_ef", "ivf_nlist", "ivf_nprobe"}) {
    const std::string key = k;
    if (spec.contains(key) && key.rfind(o.method + "_", 0) != 0)
      usage_error(w + "." + key + ": applies to method " + key.substr(0, key.find('_')) + ", not " + o.method);
  }
  o.hnsw_m = static_cast<int>(spec.contains("hnsw_m") ? cfg::count(spec, "hnsw_m", w, 2, 512) : o.hnsw_m);
  o.hnsw_ef = static_cast<int>(spec.contains("hnsw_ef") ? cfg::count(spec, "hnsw_ef", w, 1, 100000) : o.hnsw_ef);
  o.ivf_nlist = static_cast<int>(spec.contains("ivf_nlist") ? cfg::count(spec, "ivf_nlist", w, 0, 10000000) : o.ivf_nlist);
  o.ivf_nprobe = static_cast<int>(spec.contains("ivf_nprobe") ? cfg::count(spec, "ivf_nprobe", w, 1, 10000000) : o.ivf_nprobe);
  o.validate();
  return o;
}

cfg::json to_json(const MipsOptions& o) {
  return {{"method", o.method}, {"hnsw_m", o.hnsw_m}, {"hnsw_ef", o.hnsw_ef}, {"ivf_nlist", o.ivf_nlist},
          {"ivf_nprobe", o.ivf_nprobe}};
}

std::unique_ptr<Mips> make_mips(const Mat& y, const Vec& g, const Vec& b, const MipsOptions& o) {
  o.validate();
  Keys k = make_keys(y, g, b);
  if (o.method == "exact") {
    if (o.double_precision) return std::make_unique<ExactMips<double>>(std::move(k), o.chunk);
    return std::make_unique<ExactMips<float>>(std::move(k), o.chunk);
  }
  return std::make_unique<FaissMips>(std::move(k), o);
}

}  // namespace fm::ot
