// Drives Medusa's store API with CLIENTS checkouts back to back for WARMUP + SECONDS seconds; one order is the
// whole checkout: cart → line item → address → shipping method → payment collection → payment session → complete.
// Prints one JSON object (the shape sqlite_commit_loop.py prints): orders/s and latency percentiles (ms) of the
// checkouts started in the measured part.
//
//   node drive.mjs URL SEED_JSON CLIENTS SECONDS [WARMUP]
import { readFileSync } from "node:fs"

const [url, seedPath, clients, seconds, warmup = "0"] = process.argv.slice(2)
const seed = JSON.parse(readFileSync(seedPath, "utf8"))
const headers = { "content-type": "application/json", "x-publishable-api-key": seed.key }

async function post(path, body) {
  const response = await fetch(url + path, { method: "POST", headers, body: JSON.stringify(body ?? {}) })
  const json = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(`${path.replace(/\/(cart|pay)_[A-Z0-9]+/g, "/{id}")} → ${response.status} ${json.message ?? ""}`)
  return json
}

async function checkout(n) {
  const { cart } = await post("/store/carts", { region_id: seed.region, email: `bench${n}@example.com` })
  await post(`/store/carts/${cart.id}/line-items`, { variant_id: seed.variant, quantity: 1 })
  await post(`/store/carts/${cart.id}`, {
    shipping_address: { first_name: "Load", last_name: "Test", address_1: "1 Main St", city: "Springfield", postal_code: "12345", country_code: "us" },
  })
  await post(`/store/carts/${cart.id}/shipping-methods`, { option_id: seed.option })
  const { payment_collection } = await post("/store/payment-collections", { cart_id: cart.id })
  await post(`/store/payment-collections/${payment_collection.id}/payment-sessions`, { provider_id: "pp_system_default" })
  const done = await post(`/store/carts/${cart.id}/complete`)
  if (done.type !== "order") throw new Error(`complete → ${done.type}: ${done.error?.message ?? ""}`)
}

const measureFrom = performance.now() + Number(warmup) * 1000
const stopAt = measureFrom + Number(seconds) * 1000
const latencies = []
const errors = {}
let next = 0
await Promise.all(Array.from({ length: Number(clients) }, async () => {
  for (let started = performance.now(); started < stopAt; started = performance.now()) {
    try {
      await checkout(next++)
      if (started >= measureFrom) latencies.push(performance.now() - started)
    } catch (error) {
      if (started >= measureFrom) errors[error.message] = (errors[error.message] ?? 0) + 1
    }
  }
}))
const elapsed = Math.max(Number(seconds), (performance.now() - measureFrom) / 1000)
latencies.sort((a, b) => a - b)
const at = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null)
console.log(JSON.stringify({
  throughput: latencies.length / elapsed,
  accepted: latencies.length,
  errors: Object.values(errors).reduce((a, b) => a + b, 0),
  errorKinds: errors,
  measuredSeconds: elapsed,
  latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: latencies.at(-1) ?? null },
}))
