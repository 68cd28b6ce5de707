app_name = "status"
urlpatterns: list = []
