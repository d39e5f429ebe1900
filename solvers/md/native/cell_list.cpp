// Verlet neighbour lists from a cell list (Allen & Tildesley, 2nd ed., section 5.3.2), in two layouts:
//
// - build (cell_list_*): for every atom i, row i of idx [n, capacity] receives the atoms j != i whose
//   minimum-image distance is below `reach`, in cell order, and the rest of the row is padded with n. count[i] is
//   the true number of neighbours, also when it exceeds `capacity` (the caller reports the overflow).
// - half_pairs (cell_half_pairs_*): every pair i < j within `reach` once, as int32 (i, j) rows, grouped by i
//   (what the biomolecular pair kernel reads), without the dense rows in between.
//
// Cells: nc[0] x nc[1] x nc[2] cells of width box/nc >= reach / reach_cells, nc >= 2 reach_cells + 1 per
// axis, so the (2 reach_cells + 1)^3 stencil cells of any cell are distinct and each pair is seen once
// per row (reach_cells = 2, half-width cells, scans 343/593 of the volume that reach_cells = 1 scans). Positions
// may lie outside the box; they are wrapped here, and atoms of a neighbour cell across the boundary are shifted
// by one box length (with the stencil above this is the minimum image). Deterministic: the counting sort is
// sequential and stable, and half_pairs concatenates the cells' pairs in cell order for any thread count.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

// Atoms binned into cells: order[start[c] .. start[c+1]) are the atoms of cell c, sorted[3 s ..] the wrapped
// position of binned atom s.
template <typename T>
struct Bins {
    std::vector<int64_t> start;
    std::vector<int32_t> order;
    std::vector<T> sorted;
};

template <typename T>
static Bins<T> bin_atoms(const T* R, int64_t n, const double* box, const int64_t* nc) {
    const int64_t ncell = nc[0] * nc[1] * nc[2];
    Bins<T> b{std::vector<int64_t>(ncell + 1, 0), std::vector<int32_t>(n), std::vector<T>(3 * n)};
    std::vector<int64_t> cell(n);
    std::vector<T> wrapped(3 * n);
    for (int64_t i = 0; i < n; ++i) {
        int64_t c[3];
        for (int a = 0; a < 3; ++a) {
            double x = std::fmod((double)R[3 * i + a], box[a]);
            if (x < 0) x += box[a];
            if (x >= box[a]) x = 0;  // fmod of a tiny negative number can round up to box
            wrapped[3 * i + a] = (T)x;
            int64_t k = (int64_t)(x / box[a] * (double)nc[a]);
            c[a] = k < 0 ? 0 : (k >= nc[a] ? nc[a] - 1 : k);
        }
        cell[i] = (c[0] * nc[1] + c[1]) * nc[2] + c[2];
        b.start[cell[i] + 1] += 1;
    }
    for (int64_t c = 0; c < ncell; ++c) b.start[c + 1] += b.start[c];
    std::vector<int64_t> fill(b.start.begin(), b.start.end() - 1);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t s = fill[cell[i]]++;
        b.order[s] = (int32_t)i;
        for (int a = 0; a < 3; ++a) b.sorted[3 * s + a] = wrapped[3 * i + a];
    }
    return b;
}

// The stencil cells of cell c: their atom ranges [lo, hi) in the binned order and the image shift that brings
// each next to c. Returns the number of candidate atoms.
template <typename T>
static int64_t stencil_of(int64_t c, const Bins<T>& b, const double* box, const int64_t* nc, int reach_cells,
                          std::vector<int64_t>& lo, std::vector<int64_t>& hi, std::vector<T>& sh) {
    const int64_t cxyz[3] = {c / (nc[1] * nc[2]), (c / nc[2]) % nc[1], c % nc[2]};
    int t = 0;
    int64_t candidates = 0;
    for (int dx = -reach_cells; dx <= reach_cells; ++dx)
        for (int dy = -reach_cells; dy <= reach_cells; ++dy)
            for (int dz = -reach_cells; dz <= reach_cells; ++dz, ++t) {
                const int d[3] = {dx, dy, dz};
                int64_t m[3];
                for (int a = 0; a < 3; ++a) {
                    const int64_t q = cxyz[a] + d[a];
                    m[a] = q < 0 ? q + nc[a] : (q >= nc[a] ? q - nc[a] : q);
                    sh[3 * t + a] = q < 0 ? (T)-box[a] : (q >= nc[a] ? (T)box[a] : (T)0);
                }
                const int64_t nb = (m[0] * nc[1] + m[1]) * nc[2] + m[2];
                lo[t] = b.start[nb];
                hi[t] = b.start[nb + 1];
                candidates += hi[t] - lo[t];
            }
    return candidates;
}

// The atoms within reach of binned atom si (itself excluded), written to found; returns how many. With
// `above`, only atoms whose index exceeds atom si's (each pair once).
template <typename T>
static int64_t near_atoms(int64_t si, bool above, const Bins<T>& b, int stencil, const std::vector<int64_t>& lo,
                          const std::vector<int64_t>& hi, const std::vector<T>& sh, T r2max, int32_t* found) {
    const int32_t i = b.order[si];
    const T xi = b.sorted[3 * si], yi = b.sorted[3 * si + 1], zi = b.sorted[3 * si + 2];
    int64_t k = 0;
    for (int u = 0; u < stencil; ++u) {
        const T ox = xi - sh[3 * u], oy = yi - sh[3 * u + 1], oz = zi - sh[3 * u + 2];
        for (int64_t s = lo[u]; s < hi[u]; ++s) {  // branch-free: always write, advance on a hit
            const T ddx = ox - b.sorted[3 * s], ddy = oy - b.sorted[3 * s + 1], ddz = oz - b.sorted[3 * s + 2];
            const int32_t j = b.order[s];
            found[k] = j;
            k += (ddx * ddx + ddy * ddy + ddz * ddz < r2max) & (s != si) & (!above | (j > i));
        }
    }
    return k;
}

template <typename T>
static void build(const T* R, int64_t n, const double* box, const int64_t* nc, double reach, int64_t capacity,
                  int32_t* idx, int32_t* count, int threads, int reach_cells) {
    const Bins<T> b = bin_atoms(R, n, box, nc);
    const int64_t ncell = nc[0] * nc[1] * nc[2];
    const T r2max = (T)(reach * reach);
    const int w = 2 * reach_cells + 1, stencil = w * w * w;
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
    for (int64_t c = 0; c < ncell; ++c) {
        if (b.start[c] == b.start[c + 1]) continue;
        std::vector<int64_t> lo(stencil), hi(stencil);
        std::vector<T> sh(3 * stencil);
        std::vector<int32_t> found(stencil_of(c, b, box, nc, reach_cells, lo, hi, sh) + 1);
        for (int64_t si = b.start[c]; si < b.start[c + 1]; ++si) {
            const int32_t i = b.order[si];
            const int64_t k = near_atoms(si, false, b, stencil, lo, hi, sh, r2max, found.data());
            int32_t* row = idx + (int64_t)i * capacity;
            for (int64_t q = 0; q < k && q < capacity; ++q) row[q] = found[q];
            for (int64_t q = k; q < capacity; ++q) row[q] = (int32_t)n;  // the padding, written while the row is hot
            count[i] = (int32_t)k;
        }
    }
}

// Every pair i < j within reach once into out [max_pairs, 2] (int32), grouped by i, cells in order; with
// excluded_from (offsets [n + 1]) and excluded_to (partners j > i, sorted), the pairs listed there are left out. Each of
// `threads` shares is a contiguous range of cells whose pairs one thread collects; the shares are then copied
// back to back, so the order does not depend on the thread count. Returns the number of pairs (-1 when memory ran out); when it
// exceeds max_pairs nothing is written (call again with room for them).
template <typename T>
static int64_t half_pairs(const T* R, int64_t n, const double* box, const int64_t* nc, double reach,
                          int reach_cells, const int64_t* excluded_from, const int64_t* excluded_to, int32_t* out,
                          int64_t max_pairs, int threads) {
    const Bins<T> b = bin_atoms(R, n, box, nc);
    const int64_t ncell = nc[0] * nc[1] * nc[2];
    const T r2max = (T)(reach * reach);
    const int w = 2 * reach_cells + 1, stencil = w * w * w;
    if (threads < 1) threads = 1;
    // each share's pairs in a buffer grown by realloc (no zero fill, no copy when the pages can move)
    std::vector<int32_t*> collected(threads, nullptr);
    std::vector<int64_t> offset(threads + 1, 0);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; ++t) {  // share t: cells [ncell t / threads, ncell (t + 1) / threads)
        int64_t size = 0, room = 2 * (max_pairs / threads + 1024);
        int32_t* mine = (int32_t*)std::malloc(room * sizeof(int32_t));
        std::vector<int64_t> lo(stencil), hi(stencil);
        std::vector<T> sh(3 * stencil);
        std::vector<int32_t> found;
        for (int64_t c = ncell * t / threads; c < ncell * (t + 1) / threads && mine; ++c) {
            if (b.start[c] == b.start[c + 1]) continue;
            found.resize(stencil_of(c, b, box, nc, reach_cells, lo, hi, sh) + 1);
            for (int64_t si = b.start[c]; si < b.start[c + 1] && mine; ++si) {
                const int32_t i = b.order[si];
                int64_t k = near_atoms(si, true, b, stencil, lo, hi, sh, r2max, found.data());
                if (excluded_from) {  // drop i's excluded partners (a few per atom), keeping the order
                    const int64_t e0 = excluded_from[i], e1 = excluded_from[i + 1];
                    int64_t kept = 0;
                    for (int64_t q = 0; q < k && e1 > e0; ++q) {
                        bool excluded = false;
                        for (int64_t e = e0; e < e1; ++e) excluded |= excluded_to[e] == found[q];
                        found[kept] = found[q];
                        kept += !excluded;
                    }
                    k = e1 > e0 ? kept : k;
                }
                if (size + 2 * k > room) {
                    room = 2 * (size + 2 * k);
                    int32_t* grown = (int32_t*)std::realloc(mine, room * sizeof(int32_t));
                    if (!grown) std::free(mine);
                    mine = grown;
                    if (!mine) break;
                }
                for (int64_t q = 0; q < k; ++q) mine[size + 2 * q] = i, mine[size + 2 * q + 1] = found[q];
                size += 2 * k;
            }
        }
        collected[t] = mine;
        offset[t + 1] = size / 2;
    }
    bool failed = false;
    for (int t = 0; t < threads; ++t) {
        failed |= collected[t] == nullptr;
        offset[t + 1] += offset[t];
    }
    if (!failed && offset[threads] <= max_pairs) {
#pragma omp parallel for schedule(static, 1) num_threads(threads)
        for (int t = 0; t < threads; ++t)
            std::memcpy(out + 2 * offset[t], collected[t], 2 * (offset[t + 1] - offset[t]) * sizeof(int32_t));
    }
    for (int t = 0; t < threads; ++t) std::free(collected[t]);
    return failed ? -1 : offset[threads];
}

extern "C" {
void cell_list_f32(const float* R, int64_t n, const double* box, const int64_t* nc, double reach,
                   int64_t capacity, int32_t* idx, int32_t* count, int threads, int reach_cells) {
    build<float>(R, n, box, nc, reach, capacity, idx, count, threads, reach_cells);
}
void cell_list_f64(const double* R, int64_t n, const double* box, const int64_t* nc, double reach,
                   int64_t capacity, int32_t* idx, int32_t* count, int threads, int reach_cells) {
    build<double>(R, n, box, nc, reach, capacity, idx, count, threads, reach_cells);
}
int64_t cell_half_pairs_f32(const float* R, int64_t n, const double* box, const int64_t* nc, double reach,
                            int reach_cells, const int64_t* excluded_from, const int64_t* excluded_to, int32_t* out,
                            int64_t max_pairs, int threads) {
    return half_pairs<float>(R, n, box, nc, reach, reach_cells, excluded_from, excluded_to, out, max_pairs, threads);
}
int64_t cell_half_pairs_f64(const double* R, int64_t n, const double* box, const int64_t* nc, double reach,
                            int reach_cells, const int64_t* excluded_from, const int64_t* excluded_to, int32_t* out,
                            int64_t max_pairs, int threads) {
    return half_pairs<double>(R, n, box, nc, reach, reach_cells, excluded_from, excluded_to, out, max_pairs, threads);
}
}
