"""Portal URLs (/portal/). Who may use each view is stated on the view itself (views.py)."""

from django.urls import path

from opc_community.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("password/done/", views.password_change_done, name="password_change_done"),
    path("two-factor/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/mark-all-read/", views.mark_all_read, name="mark_all_read"),
    path("inbox/<int:pk>/", views.notification, name="notification"),
]
