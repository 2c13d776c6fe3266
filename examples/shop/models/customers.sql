select customer_id, name, city, segment
from {{ ref('customers_seed') }}
