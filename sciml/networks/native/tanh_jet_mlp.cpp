// Forward and backward of a tanh MLP on second-order Taylor jets, fused into one native pass each.
//
// A jet (sciml/autodiff/jet.py) holds, per point, C = 1 + D + S channels of F features: the value, the first
// derivatives along the D inputs and S second-order channels. Channel 1+D+s is the second derivative
// sum_d M[s][d] d^2h/dx_d^2 (M one-hot per row: one pure second derivative; several ones: a summed Laplacian).
//
// Each hidden layer is z = W a + b (bias on the value channel only), then a' = tanh on the jet:
//   a'_0 = t,  a'_d = g z_d,  a'_s = g z_s + f2 q_s,  q_s = sum_d M[s][d] z_d^2,
// with t = tanh(z_0), g = 1 - t^2 = t', f2 = -2 t g = t''. The head is a plain linear map.
// The backward pass recomputes the forward for its block of points and runs the chain rule back with
// f3 = t''' = -2 g (1 - 3 t^2). Points are the SIMD lanes (16 floats or 8 doubles per block), so every
// elementwise rule is a full vector operation whatever the width, and a block's activations stay in cache.
// With C = 1 (no derivative channels) the same code evaluates a plain tanh MLP on points.
// Weight gradients are summed per lane, then per fixed chunk of blocks, then over chunks in order: the
// result does not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

template <typename T>
struct Lanes;
template <>
struct Lanes<float> {
    typedef float vec __attribute__((vector_size(64)));
    typedef int32_t ivec __attribute__((vector_size(64)));
    static constexpr int n = 16;
};
template <>
struct Lanes<double> {
    typedef double vec __attribute__((vector_size(64)));
    typedef int64_t ivec __attribute__((vector_size(64)));
    static constexpr int n = 8;
};

// expm1(y) for y <= 0 (clamped below so that 2^n stays normal), in one pass for every lane: Cody-Waite reduction
// y = n ln2 + r, |r| <= ln2/2, the Taylor series of expm1(r) (degree 7 in float, 13 in double: the first term
// dropped is below half an ulp of expm1(r) for |r| <= ln2/2), then expm1(y) = 2^n expm1(r) + (2^n - 1), where
// 2^n comes from the exponent bits and 2^n - 1 is exact. For n = 0 (|y| < ln2/2) this is the series itself, so
// there is no cancellation near 0 (the standard reduction of expm1; e.g. Tang 1992, ACM TOMS 18).
template <typename T>
inline typename Lanes<T>::vec expm1_nonpositive(typename Lanes<T>::vec y) {
    typedef typename Lanes<T>::vec vec;
    typedef typename Lanes<T>::ivec ivec;
    constexpr bool f32 = sizeof(T) == 4;
    const T lowest = f32 ? T(-87.0) : T(-708.0);
    y = y < lowest ? vec{} + lowest : y;
    const T shifter = f32 ? T(12582912.0) : T(6755399441055744.0);  // 1.5 * 2^23 / 1.5 * 2^52: round to nearest
    vec fn = (y * T(1.4426950408889634) + shifter) - shifter;
    vec r = y - fn * T(0.693145751953125);  // ln 2, high part (exact times small n)
    r = r - fn * T(1.4286068203094173e-06);  // ln 2, low part
    const int degree = f32 ? 7 : 13;
    vec s = vec{} + T(1);  // expm1(r)/r = 1 + r/2! + r^2/3! + ... + r^(degree-1)/degree!, by Horner
    for (int k = degree - 1; k >= 1; --k) s = s * r * (T(1) / T(k + 1)) + T(1);
    ivec n = __builtin_convertvector(fn, ivec);
    ivec bits = (n + (f32 ? 127 : 1023)) << (f32 ? 23 : 52);
    vec scale;
    std::memcpy(&scale, &bits, sizeof(vec));
    return scale * (s * r) + (scale - T(1));
}

// tanh|x| = -m / (2 + m) with m = expm1(-2|x|)
template <typename T>
inline typename Lanes<T>::vec tanh_vec(typename Lanes<T>::vec x) {
    typedef typename Lanes<T>::vec vec;
    vec ax = x < T(0) ? -x : x;
    vec m = expm1_nonpositive<T>(T(-2) * ax);
    vec t = -m / (T(2) + m);
    return x < T(0) ? -t : t;
}

// a block of activations: C channels x F features, one vector of points each, laid out [c][f]
template <typename T>
struct Net {
    int layers;  // dense layers, the head included
    const int64_t* sizes;  // layers + 1 feature counts
    const T* const* weight;  // [sizes[l+1], sizes[l]] row-major
    const T* const* bias;  // [sizes[l+1]] or null
    int channels, inputs, seconds;
    const int64_t* mask;  // [seconds, inputs] 0/1
};

// outputs per pass of the dense loops: C * FB accumulators stay in registers (8 or more hide the FMA latency)
template <int C>
constexpr int output_block() {
    return C == 1 ? 8 : C <= 4 ? 4 : 2;
}

// z[c][o] = sum_i W[o][i] a[c][i] (+ b[o] on channel 0); FB outputs at a time keep C*FB accumulators in registers
template <typename T, int C>
void dense_forward(const T* W, const T* b, int fi, int fo, const typename Lanes<T>::vec* a, typename Lanes<T>::vec* z) {
    typedef typename Lanes<T>::vec vec;
    constexpr int FB = output_block<C>();
    int o = 0;
    for (; o + FB <= fo; o += FB) {
        vec acc[FB][C];
        for (int j = 0; j < FB; ++j)
            for (int c = 0; c < C; ++c) acc[j][c] = vec{} + ((c == 0 && b) ? b[o + j] : T(0));
        for (int i = 0; i < fi; ++i) {
            vec av[C];
            for (int c = 0; c < C; ++c) av[c] = a[c * fi + i];
            for (int j = 0; j < FB; ++j) {
                const T w = W[(o + j) * fi + i];
                for (int c = 0; c < C; ++c) acc[j][c] += w * av[c];
            }
        }
        for (int j = 0; j < FB; ++j)
            for (int c = 0; c < C; ++c) z[c * fo + o + j] = acc[j][c];
    }
    for (; o < fo; ++o) {
        vec acc[C];
        for (int c = 0; c < C; ++c) acc[c] = vec{} + ((c == 0 && b) ? b[o] : T(0));
        for (int i = 0; i < fi; ++i) {
            const T w = W[o * fi + i];
            for (int c = 0; c < C; ++c) acc[c] += w * a[c * fi + i];
        }
        for (int c = 0; c < C; ++c) z[c * fo + o] = acc[c];
    }
}

// ga[c][i] = sum_o gz[c][o] W[o][i]
template <typename T, int C>
void dense_backward_input(const T* W, int fi, int fo, const typename Lanes<T>::vec* gz, typename Lanes<T>::vec* ga) {
    typedef typename Lanes<T>::vec vec;
    constexpr int FB = output_block<C>();
    int i = 0;
    for (; i + FB <= fi; i += FB) {
        vec acc[FB][C] = {};
        for (int o = 0; o < fo; ++o) {
            vec gv[C];
            for (int c = 0; c < C; ++c) gv[c] = gz[c * fo + o];
            for (int j = 0; j < FB; ++j) {
                const T w = W[o * fi + i + j];
                for (int c = 0; c < C; ++c) acc[j][c] += w * gv[c];
            }
        }
        for (int j = 0; j < FB; ++j)
            for (int c = 0; c < C; ++c) ga[c * fi + i + j] = acc[j][c];
    }
    for (; i < fi; ++i) {
        vec acc[C] = {};
        for (int o = 0; o < fo; ++o) {
            const T w = W[o * fi + i];
            for (int c = 0; c < C; ++c) acc[c] += w * gz[c * fo + o];
        }
        for (int c = 0; c < C; ++c) ga[c * fi + i] = acc[c];
    }
}

// per-lane sums over K blocks: gW[o][i] += sum_j sum_c gz_j[c][o] a_j[c][i], gb[o] += sum_j gz_j[0][o];
// 4 x 4 tiles of (o, i) keep 16 accumulators in registers while (j, c) runs, so the lane sums in gW are read
// and written once per K blocks
template <typename T, int C>
void dense_backward_weight(int fi, int fo, int K, const typename Lanes<T>::vec* const* gz,
                           const typename Lanes<T>::vec* const* a, typename Lanes<T>::vec* gW,
                           typename Lanes<T>::vec* gb) {
    typedef typename Lanes<T>::vec vec;
    constexpr int TB = 4;
    const int fo4 = fo - fo % TB, fi4 = fi - fi % TB;
    for (int o = 0; o < fo4; o += TB)
        for (int i = 0; i < fi4; i += TB) {
            vec acc[TB][TB];
            for (int u = 0; u < TB; ++u)
                for (int v = 0; v < TB; ++v) acc[u][v] = gW[(o + u) * fi + i + v];
            for (int j = 0; j < K; ++j)
                for (int c = 0; c < C; ++c) {
                    const vec* g = gz[j] + c * fo + o;
                    const vec* x = a[j] + c * fi + i;
                    vec gv[TB], xv[TB];
                    for (int u = 0; u < TB; ++u) gv[u] = g[u], xv[u] = x[u];
                    for (int u = 0; u < TB; ++u)
                        for (int v = 0; v < TB; ++v) acc[u][v] += gv[u] * xv[v];
                }
            for (int u = 0; u < TB; ++u)
                for (int v = 0; v < TB; ++v) gW[(o + u) * fi + i + v] = acc[u][v];
        }
    for (int o = 0; o < fo; ++o)  // the edges the tiles left: rows past fo4, columns past fi4
        for (int i = o < fo4 ? fi4 : 0; i < fi; ++i) {
            vec acc = gW[o * fi + i];
            for (int j = 0; j < K; ++j)
                for (int c = 0; c < C; ++c) acc += gz[j][c * fo + o] * a[j][c * fi + i];
            gW[o * fi + i] = acc;
        }
    if (gb)
        for (int o = 0; o < fo; ++o)
            for (int j = 0; j < K; ++j) gb[o] += gz[j][o];
}

// jet tanh in place on z (C x F): writes the activations to a and keeps t = tanh(z_0) in z's value channel
template <typename T>
void tanh_forward(const Net<T>& net, int f, typename Lanes<T>::vec* z, typename Lanes<T>::vec* a) {
    typedef typename Lanes<T>::vec vec;
    const int D = net.inputs, S = net.seconds;
    for (int k = 0; k < f; ++k) {
        vec t = tanh_vec<T>(z[k]);
        vec g = T(1) - t * t;
        vec f2 = T(-2) * t * g;
        z[k] = t;
        a[k] = t;
        for (int d = 0; d < D; ++d) a[(1 + d) * f + k] = g * z[(1 + d) * f + k];
        for (int s = 0; s < S; ++s) {
            vec q = vec{};
            for (int d = 0; d < D; ++d)
                if (net.mask[s * D + d]) q += z[(1 + d) * f + k] * z[(1 + d) * f + k];
            a[(1 + D + s) * f + k] = g * z[(1 + D + s) * f + k] + f2 * q;
        }
    }
}

// chain rule back through tanh_forward: ga (gradient on a) -> gz (gradient on z), z holding t in channel 0
template <typename T>
void tanh_backward(const Net<T>& net, int f, const typename Lanes<T>::vec* z, const typename Lanes<T>::vec* ga,
                   typename Lanes<T>::vec* gz) {
    typedef typename Lanes<T>::vec vec;
    const int D = net.inputs, S = net.seconds;
    for (int k = 0; k < f; ++k) {
        vec t = z[k];
        vec g = T(1) - t * t;
        vec f2 = T(-2) * t * g;
        vec f3 = T(-2) * g * (T(1) - T(3) * t * t);
        vec g0 = ga[k] * g;
        for (int d = 0; d < D; ++d) {
            vec zd = z[(1 + d) * f + k], gd = ga[(1 + d) * f + k];
            gz[(1 + d) * f + k] = g * gd;
            g0 += gd * zd * f2;
        }
        for (int s = 0; s < S; ++s) {
            vec gs = ga[(1 + D + s) * f + k];
            gz[(1 + D + s) * f + k] = g * gs;
            vec q = vec{};
            for (int d = 0; d < D; ++d)
                if (net.mask[s * D + d]) {
                    vec zd = z[(1 + d) * f + k];
                    q += zd * zd;
                    gz[(1 + d) * f + k] += T(2) * f2 * zd * gs;
                }
            g0 += gs * (z[(1 + D + s) * f + k] * f2 + q * f3);
        }
        gz[k] = g0;
    }
}

template <typename T>
struct Kernels {
    void (*forward)(const T*, const T*, int, int, const typename Lanes<T>::vec*, typename Lanes<T>::vec*);
    void (*back_input)(const T*, int, int, const typename Lanes<T>::vec*, typename Lanes<T>::vec*);
    void (*back_weight)(int, int, int, const typename Lanes<T>::vec* const*, const typename Lanes<T>::vec* const*,
                        typename Lanes<T>::vec*, typename Lanes<T>::vec*);
};

template <typename T, int C>
Kernels<T> kernels_for() {
    return {dense_forward<T, C>, dense_backward_input<T, C>, dense_backward_weight<T, C>};
}

template <typename T>
bool pick(int channels, Kernels<T>* k) {
    switch (channels) {
        case 1: *k = kernels_for<T, 1>(); return true;
        case 2: *k = kernels_for<T, 2>(); return true;
        case 3: *k = kernels_for<T, 3>(); return true;
        case 4: *k = kernels_for<T, 4>(); return true;
        case 5: *k = kernels_for<T, 5>(); return true;
        case 6: *k = kernels_for<T, 6>(); return true;
        case 7: *k = kernels_for<T, 7>(); return true;
        case 8: *k = kernels_for<T, 8>(); return true;
        default: return false;
    }
}

// one block's buffers: a[l] (input of dense layer l, C x sizes[l]), z[l] (its output, C x sizes[l+1]),
// gz[l] (the gradient on z[l]) and ga (the gradient on one layer's input, C x the widest layer)
template <typename T>
struct Block {
    typedef typename Lanes<T>::vec vec;
    std::vector<vec> store;
    std::vector<vec*> a, z, gz;
    vec* ga;
    Block(const Block&) = delete;  // the pointers point into store
    Block(Block&&) = default;
    explicit Block(const Net<T>& net) {
        const int L = net.layers, C = net.channels;
        int64_t total = 0, widest = 0;
        for (int l = 0; l <= L; ++l) total += C * net.sizes[l], widest = net.sizes[l] > widest ? net.sizes[l] : widest;
        for (int l = 0; l < L; ++l) total += 2 * C * net.sizes[l + 1];
        store.assign(total + C * widest, vec{});
        vec* p = store.data();
        for (int l = 0; l <= L; ++l) a.push_back(p), p += C * net.sizes[l];
        for (int l = 0; l < L; ++l) z.push_back(p), p += C * net.sizes[l + 1];
        for (int l = 0; l < L; ++l) gz.push_back(p), p += C * net.sizes[l + 1];
        ga = p;
    }
    size_t bytes() const { return store.size() * sizeof(vec); }
};

// points [p0, p0 + lanes) of x [N, C, F0] into a[0] (zeros past N)
template <typename T>
void load_block(const T* x, int64_t n, int64_t p0, int rows, typename Lanes<T>::vec* out) {
    constexpr int W = Lanes<T>::n;
    T* o = reinterpret_cast<T*>(out);
    for (int r = 0; r < rows; ++r)
        for (int p = 0; p < W; ++p) o[r * W + p] = p0 + p < n ? x[(p0 + p) * rows + r] : T(0);
}

template <typename T>
void store_block(const typename Lanes<T>::vec* in, int64_t n, int64_t p0, int rows, T* y) {
    constexpr int W = Lanes<T>::n;
    const T* s = reinterpret_cast<const T*>(in);
    for (int p = 0; p < W && p0 + p < n; ++p)
        for (int r = 0; r < rows; ++r) y[(p0 + p) * rows + r] = s[r * W + p];
}

template <typename T>
void run_forward(const Net<T>& net, const Kernels<T>& k, Block<T>& b) {
    const int L = net.layers;
    for (int l = 0; l < L; ++l) {
        const int fi = net.sizes[l], fo = net.sizes[l + 1];
        if (l + 1 < L) {
            k.forward(net.weight[l], net.bias[l], fi, fo, b.a[l], b.z[l]);
            tanh_forward<T>(net, fo, b.z[l], b.a[l + 1]);
        } else {
            k.forward(net.weight[l], net.bias[l], fi, fo, b.a[l], b.a[l + 1]);  // the head: no activation
        }
    }
}

template <typename T>
int forward(const T* x, int64_t n, const Net<T>& net, T* y, int threads) {
    Kernels<T> k;
    if (!pick<T>(net.channels, &k)) return 1;
    constexpr int W = Lanes<T>::n;
    const int64_t blocks = (n + W - 1) / W;
    const int C = net.channels, L = net.layers;
#pragma omp parallel num_threads(threads)
    {
        Block<T> b(net);
#pragma omp for schedule(static)
        for (int64_t q = 0; q < blocks; ++q) {
            load_block<T>(x, n, q * W, C * net.sizes[0], b.a[0]);
            run_forward<T>(net, k, b);
            store_block<T>(b.a[L], n, q * W, C * net.sizes[L], y);
        }
    }
    return 0;
}

template <typename T>
int backward(const T* x, const T* grad_out, int64_t n, const Net<T>& net, T* grad_x, T* grad_params, int threads) {
    typedef typename Lanes<T>::vec vec;
    Kernels<T> k;
    if (!pick<T>(net.channels, &k)) return 1;
    constexpr int W = Lanes<T>::n;
    const int64_t blocks = (n + W - 1) / W;
    const int C = net.channels, L = net.layers;
    std::vector<int64_t> offset(L + 1, 0);  // of each layer's [W, b] in the flat gradient
    int64_t params = 0;
    for (int l = 0; l < L; ++l) offset[l] = params, params += net.sizes[l + 1] * (net.sizes[l] + 1);
    offset[L] = params;
    const int64_t chunks = blocks < 16 ? blocks : 16;
    std::vector<T> partial(chunks * params, T(0));
#pragma omp parallel num_threads(threads)
    {
        // K blocks pass back before their weight gradients are summed: fewer passes over the lane sums,
        // as many as fit in about 256 KB of cache
        std::vector<Block<T>> group;
        group.reserve(4);
        group.emplace_back(net);
        const int K = std::max<int>(1, std::min<int>(4, (256 << 10) / group[0].bytes()));
        while (int(group.size()) < K) group.emplace_back(net);
        std::vector<const vec*> gz_of(K), a_of(K);
        std::vector<vec> acc(params);
#pragma omp for schedule(static)
        for (int64_t ch = 0; ch < chunks; ++ch) {
            std::fill(acc.begin(), acc.end(), vec{});
            const int64_t first = blocks * ch / chunks, last = blocks * (ch + 1) / chunks;
            for (int64_t q0 = first; q0 < last; q0 += K) {
                const int k_here = int(std::min<int64_t>(K, last - q0));
                for (int j = 0; j < k_here; ++j) {
                    Block<T>& b = group[j];
                    const int64_t q = q0 + j;
                    load_block<T>(x, n, q * W, C * net.sizes[0], b.a[0]);
                    run_forward<T>(net, k, b);
                    load_block<T>(grad_out, n, q * W, C * net.sizes[L], b.gz[L - 1]);
                    for (int l = L - 1; l >= 0; --l) {
                        if (l + 1 < L) tanh_backward<T>(net, net.sizes[l + 1], b.z[l], b.ga, b.gz[l]);
                        if (l > 0 || grad_x) k.back_input(net.weight[l], net.sizes[l], net.sizes[l + 1], b.gz[l], b.ga);
                    }
                    if (grad_x) store_block<T>(b.ga, n, q * W, C * net.sizes[0], grad_x);
                }
                for (int l = 0; l < L; ++l) {
                    for (int j = 0; j < k_here; ++j) gz_of[j] = group[j].gz[l], a_of[j] = group[j].a[l];
                    vec* gW = acc.data() + offset[l];
                    const int fi = net.sizes[l], fo = net.sizes[l + 1];
                    k.back_weight(fi, fo, k_here, gz_of.data(), a_of.data(), gW, net.bias[l] ? gW + fo * fi : nullptr);
                }
            }
            T* out = partial.data() + ch * params;
            for (int64_t p = 0; p < params; ++p) {
                T s = T(0);
                for (int j = 0; j < W; ++j) s += acc[p][j];
                out[p] = s;
            }
        }
    }
    for (int64_t p = 0; p < params; ++p) {
        T s = T(0);
        for (int64_t ch = 0; ch < chunks; ++ch) s += partial[ch * params + p];
        grad_params[p] = s;
    }
    return 0;
}

template <typename T>
Net<T> make_net(int64_t layers, const int64_t* sizes, const int64_t* weights, const int64_t* biases,
                int64_t channels, int64_t inputs, int64_t seconds, const int64_t* mask) {
    return Net<T>{int(layers),
                  sizes,
                  reinterpret_cast<const T* const*>(weights),
                  reinterpret_cast<const T* const*>(biases),
                  int(channels),
                  int(inputs),
                  int(seconds),
                  mask};
}

}  // namespace

#define ARGS                                                                                                      \
    int64_t n, int64_t layers, const int64_t *sizes, const int64_t *weights, const int64_t *biases, int64_t channels, \
        int64_t inputs, int64_t seconds, const int64_t *mask, int threads

extern "C" {
int tanh_jet_mlp_forward_f32(const float* x, float* y, ARGS) {
    return forward<float>(x, n, make_net<float>(layers, sizes, weights, biases, channels, inputs, seconds, mask), y,
                          threads);
}
int tanh_jet_mlp_forward_f64(const double* x, double* y, ARGS) {
    return forward<double>(x, n, make_net<double>(layers, sizes, weights, biases, channels, inputs, seconds, mask), y,
                           threads);
}
int tanh_jet_mlp_backward_f32(const float* x, const float* grad_out, float* grad_x, float* grad_params, ARGS) {
    return backward<float>(x, grad_out, n,
                           make_net<float>(layers, sizes, weights, biases, channels, inputs, seconds, mask), grad_x,
                           grad_params, threads);
}
int tanh_jet_mlp_backward_f64(const double* x, const double* grad_out, double* grad_x, double* grad_params, ARGS) {
    return backward<double>(x, grad_out, n,
                            make_net<double>(layers, sizes, weights, biases, channels, inputs, seconds, mask), grad_x,
                            grad_params, threads);
}
}
