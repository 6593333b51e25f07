/** The shop's products. Prices are in pence so sums stay exact. */
export interface Product {
  sku: string
  name: string
  description: string
  pricePence: number
  /** Two letters and a colour for the product's tile: the shop has no photos to serve. */
  monogram: string
  colour: string
}

export const PRODUCTS: readonly Product[] = [
  {
    sku: 'gear-set',
    name: 'Brass gear set',
    description: 'Forty-nine precision-cut wheels for the Mill. Polished, never oiled.',
    pricePence: 4_800,
    monogram: 'GS',
    colour: '#b7791f',
  },
  {
    sku: 'punched-cards',
    name: 'Punched cards (100)',
    description: 'Jacquard-grade operation and variable cards, pre-scored for easy punching.',
    pricePence: 1_250,
    monogram: 'PC',
    colour: '#3454d1',
  },
  {
    sku: 'crank',
    name: 'Difference engine crank',
    description: 'A hand crank in forged steel. Four turns per calculation, give or take.',
    pricePence: 3_500,
    monogram: 'DC',
    colour: '#4a5568',
  },
  {
    sku: 'rotor',
    name: 'Enigma rotor (spare)',
    description: 'Rotor IV with an adjustable ring setting. Wiring diagram sold separately.',
    pricePence: 6_900,
    monogram: 'ER',
    colour: '#2f855a',
  },
  {
    sku: 'paper-tape',
    name: 'Paper tape, 5-hole',
    description: 'A 300 m reel of oiled paper tape for the Colossus reader.',
    pricePence: 900,
    monogram: 'PT',
    colour: '#9c4221',
  },
  {
    sku: 'notebook',
    name: 'Note G notebook',
    description: 'Squared paper for writing out the Bernoulli numbers by hand.',
    pricePence: 650,
    monogram: 'NG',
    colour: '#6b46c1',
  },
]

export function findProduct(sku: unknown): Product | undefined {
  return PRODUCTS.find((product) => product.sku === sku)
}

const pounds = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })

export function formatPrice(pence: number): string {
  return pounds.format(pence / 100)
}

/** The most of one product a cart holds: the session is no place for unbounded data. */
export const MAX_QUANTITY = 9
