select order_id, customer_id, ordered_at, amount, status
from {{ ref('orders_seed') }}
