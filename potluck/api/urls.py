from ninja import NinjaAPI

api = NinjaAPI(title="Potluck API", version="1", urls_namespace="api")
