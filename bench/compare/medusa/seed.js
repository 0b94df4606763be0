// Seeds what a store checkout needs: a sales channel and publishable key, a US region paid through the system payment
// provider, a stock location with a shipping option, and one variant with ample stock. Writes the ids the driver
// needs as JSON to $MEDUSA_SEED_OUT. Run with `medusa exec ./seed.js`.
const flows = require("@medusajs/medusa/core-flows")
const { ContainerRegistrationKeys, Modules, ProductStatus } = require("@medusajs/framework/utils")
const fs = require("fs")

exports.default = async function seed({ container }) {
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const [store] = await container.resolve(Modules.STORE).listStores()

  const { result: [channel] } = await flows.createSalesChannelsWorkflow(container).run({ input: { salesChannelsData: [{ name: "Bench" }] } })
  await flows.updateStoresWorkflow(container).run({
    input: { selector: { id: store.id }, update: { supported_currencies: [{ currency_code: "usd", is_default: true }], default_sales_channel_id: channel.id } },
  })
  const { result: [region] } = await flows.createRegionsWorkflow(container).run({
    input: { regions: [{ name: "US", currency_code: "usd", countries: ["us"], payment_providers: ["pp_system_default"] }] },
  })

  const { result: [location] } = await flows.createStockLocationsWorkflow(container).run({
    input: { locations: [{ name: "Main", address: { address_1: "1 Main St", city: "Springfield", country_code: "US" } }] },
  })
  await link.create({ [Modules.STOCK_LOCATION]: { stock_location_id: location.id }, [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" } })
  await flows.linkSalesChannelsToStockLocationWorkflow(container).run({ input: { id: location.id, add: [channel.id] } })

  const { result: [profile] } = await flows.createShippingProfilesWorkflow(container).run({ input: { data: [{ name: "Default", type: "default" }] } })
  const fulfillmentSet = await container.resolve(Modules.FULFILLMENT).createFulfillmentSets({
    name: "Main delivery", type: "shipping", service_zones: [{ name: "US", geo_zones: [{ country_code: "us", type: "country" }] }],
  })
  await link.create({ [Modules.STOCK_LOCATION]: { stock_location_id: location.id }, [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id } })
  const { result: [option] } = await flows.createShippingOptionsWorkflow(container).run({
    input: [{
      name: "Standard", price_type: "flat", provider_id: "manual_manual", service_zone_id: fulfillmentSet.service_zones[0].id,
      shipping_profile_id: profile.id, type: { label: "Standard", description: "2-3 days", code: "standard" },
      prices: [{ currency_code: "usd", amount: 10 }, { region_id: region.id, amount: 10 }],
      rules: [{ attribute: "enabled_in_store", value: "true", operator: "eq" }, { attribute: "is_return", value: "false", operator: "eq" }],
    }],
  })

  const { result: [key] } = await flows.createApiKeysWorkflow(container).run({ input: { api_keys: [{ title: "Bench", type: "publishable", created_by: "" }] } })
  await flows.linkSalesChannelsToApiKeyWorkflow(container).run({ input: { id: key.id, add: [channel.id] } })

  const { result: [product] } = await flows.createProductsWorkflow(container).run({
    input: {
      products: [{
        title: "Bench Tee", handle: "bench-tee", status: ProductStatus.PUBLISHED, shipping_profile_id: profile.id,
        options: [{ title: "Size", values: ["M"] }],
        variants: [{ title: "M", sku: "BENCH-M", manage_inventory: true, options: { Size: "M" }, prices: [{ amount: 10, currency_code: "usd" }] }],
        sales_channels: [{ id: channel.id }],
      }],
    },
  })
  const { data: [item] } = await query.graph({ entity: "inventory_item", fields: ["id"], filters: { sku: "BENCH-M" } })
  await flows.createInventoryLevelsWorkflow(container).run({
    input: { inventory_levels: [{ location_id: location.id, inventory_item_id: item.id, stocked_quantity: 1000000 }] },
  })

  fs.writeFileSync(process.env.MEDUSA_SEED_OUT, JSON.stringify({ key: key.token, region: region.id, variant: product.variants[0].id, option: option.id }))
}
