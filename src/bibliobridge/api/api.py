from ninja import NinjaAPI

api = NinjaAPI(title="Bibliobridge API", version="1", urls_namespace="api")
