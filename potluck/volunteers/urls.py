from django.urls import path

from potluck.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("<slug:slug>/volunteer/", views.volunteer_profile, name="profile"),
    path("<slug:slug>/volunteer/pause/", views.volunteer_pause, name="pause"),
    path("<slug:slug>/volunteer/resume/", views.volunteer_resume, name="resume"),
    path("<slug:slug>/volunteer/checkin/", views.checkin_answer, name="checkin"),
    path("<slug:slug>/volunteers/", views.workload, name="workload"),
]
